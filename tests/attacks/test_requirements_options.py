"""Attacks through requirements files: text that pip reads one way and a naive reader another.

Every test here writes a requirements file that names the vetted `alpha` wheel where signoff
looks, and smuggles something else where pip looks. `check` must fail (exit 1 for a requirement
it cannot vet, exit 2 for text it refuses to read), naming the file; `lock` must write nothing
that lets pip install an unvetted file, as pip itself reads the output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from signoff.trust.demo.sample_dists import build_wheel
from tests.attacks.deploy_kit import (
    Deployment,
    check,
    deployment,
    failed_closed,
    lock,
    pip_hashes,
)

__all__ = ["deployment"]  # the module-scoped fixture, used by every test


def _write(folder: Path, text: str | bytes) -> Path:
    path = folder / "requirements.txt"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("text", [
    "alpha==1.0 --hash=sha256:{good} ${{EXTRA}}\n",
    "alpha==1.0 \\\n    --hash=sha256:{good} \\\n    ${{EXTRA}}\n",
    "alpha==1.0 --hash=sha256:${{GOOD_HASH}}\n",
    "--index-url ${{INDEX}}\nalpha==1.0 --hash=sha256:{good}\n",
    "alpha${{EXTRAS}}==1.0 --hash=sha256:{good}\n",
    "alpha==1.0 --hash=sha256:{good} ${{lower_case_too}}\n",
])
def test_environment_variable_injects_a_hash(deployment: Deployment, text: str,
        tmp_path: Path) -> None:
    """Hole 9: pip expands `${VAR}` before it reads options, so `${EXTRA}` becomes
    `--hash=sha256:<evil>` (or `--no-require-hashes`) at install time. The attacker gains an
    unvetted file installed from a requirements file that passed check and lock."""
    given = _write(tmp_path, text.format(good=deployment.vetted.sha256))
    env = {"EXTRA": f"--hash=sha256:{deployment.evil.sha256}", "INDEX": "x --no-require-hashes"}
    os.environ.update(env)
    try:
        failed_closed(check(deployment, given), given, 2, "environment variable")
        output = given.parent / "out.txt"
        failed_closed(lock(deployment, given, output), given, 2, "environment variable")
        assert not output.exists()
    finally:
        for name in env:
            os.environ.pop(name, None)


@pytest.mark.parametrize("where", ["include", "constraint", "nested"])
def test_environment_variable_in_an_included_file(deployment: Deployment, where: str,
        tmp_path: Path) -> None:
    """Hole 9 through `-r`/`-c`: the `${VAR}` sits in a file the top one includes; the attacker
    gains the same injection one file away from where a reviewer looks."""
    folder = tmp_path
    good = deployment.vetted.sha256
    hostile = f"alpha==1.0 --hash=sha256:{good} ${{EXTRA}}\n"
    (folder / "inner.txt").write_text(hostile)
    top = {"include": "-r inner.txt\n", "constraint": f"alpha==1.0 --hash=sha256:{good}\n"
           "-c inner.txt\n", "nested": "-r middle.txt\n"}[where]
    (folder / "middle.txt").write_text("-r inner.txt\n")
    (folder / "requirements.txt").write_text(top)
    failed_closed(check(deployment, folder / "requirements.txt"), folder / "inner.txt", 2,
                  "${EXTRA}")


def test_constraint_hash_installs_an_unvetted_dependency(deployment: Deployment,
                                                         tmp_path: Path) -> None:
    """A constraints file gives `--hash` to a dependency that no requirement lists: pip (20.3
    and later) takes the constraint's hash for it in hash-checking mode. The attacker gains an
    unvetted dependency installed beside a vetted top-level requirement. Shown with real pip."""
    dist = tmp_path / "dist"
    dist.mkdir()
    dep = build_wheel(dist, "backdoor", "6.6.6")
    app = build_wheel(dist, "beta", "1.0", requires=["backdoor"])  # not the vetted beta
    (tmp_path / "requirements.txt").write_text(
        f"beta==1.0 --hash=sha256:{app.sha256}\n-c constraints.txt\n")
    (tmp_path / "constraints.txt").write_text(f"backdoor==6.6.6 --hash=sha256:{dep.sha256}\n")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                          "--find-links", str(dist), "--target", str(tmp_path / "t"), "-r",
                          str(tmp_path / "requirements.txt")], capture_output=True, text=True,
                         check=False, timeout=300)
    assert pip.returncode == 0 and (tmp_path / "t" / "backdoor").is_dir(), pip.stderr
    # signoff checks the constraint's hash like a requirement's.
    (tmp_path / "requirements.txt").write_text(
        f"alpha==1.0 --hash=sha256:{deployment.vetted.sha256}\n-c constraints.txt\n")
    out = check(deployment, tmp_path / "requirements.txt")
    failed_closed(out, tmp_path / "constraints.txt", 1, "backdoor")
    # lock leaves the constraints out, so pip can no longer take their hash.
    output = tmp_path / "out" / "requirements.txt"
    done = lock(deployment, tmp_path / "requirements.txt", output)
    assert "Traceback" not in done.stdout + done.stderr
    assert "constraints.txt left out" in output.read_text()
    assert pip_hashes(output) == {deployment.vetted.sha256}


@pytest.mark.parametrize("constraint", [
    "alpha==1.0 --hash=sha256:{evil}\n",
    "alpha==1.0 --hash=sha256:{good} --hash=sha256:{evil}\n",
    "alpha==1.0 --hash=sha512:" + "0" * 128 + "\n",
    "alpha @ https://example.invalid/alpha-1.0-py3-none-any.whl#sha256={evil}\n",
    "-r more.txt\n",
])
def test_constraint_variants_are_checked(deployment: Deployment, constraint: str,
        tmp_path: Path) -> None:
    """Constraint variants that could widen what pip installs: an unvetted hash, a second hash, a
    sha512, a URL with a hash fragment, a hash one include further away. The attacker gains an
    unvetted file through the constraints rather than the requirements."""
    folder = tmp_path
    values = {"good": deployment.vetted.sha256, "evil": deployment.evil.sha256}
    (folder / "constraints.txt").write_text(constraint.format(**values))
    (folder / "more.txt").write_text("alpha==1.0 --hash=sha256:{evil}\n".format(**values))
    given = folder / "requirements.txt"
    given.write_text(f"alpha==1.0 --hash=sha256:{deployment.vetted.sha256}\n-c constraints.txt\n")
    failed_closed(check(deployment, given), folder, 1)
    output = folder / "out.txt"
    lock(deployment, given, output)
    assert pip_hashes(output) == {deployment.vetted.sha256}


@pytest.mark.parametrize("option", [
    "--global-option=--evil",
    "--install-option=--prefix=/tmp/evil",
    "--config-settings=--build-option=--evil",
    "--no-use-wheel",
    "--allow-unverified alpha",
])
def test_build_and_legacy_options(deployment: Deployment, option: str,
        tmp_path: Path) -> None:
    """Per-requirement options that older pip passed to setup.py (or that newer pip does not
    know): the attacker gains control over how a vetted sdist is built, or a reader that drops
    what pip honours."""
    given = _write(tmp_path,
                   f"alpha==1.0 --hash=sha256:{deployment.vetted.sha256} {option}\n")
    failed_closed(check(deployment, given), given, 2)


@pytest.mark.parametrize("line", [
    "--no-require-hashes",
    "--all-releases :all:",
    "--only-final :none:",
    "--hash=sha256:{evil}",
    "alpha==1.0 --hash=sha256:{good}\n\x0c--hash=sha256:{evil}",
])
def test_global_options_pip_honours(deployment: Deployment, line: str,
        tmp_path: Path) -> None:
    """Option lines pip honours that turn hash checking off for dependencies
    (`--no-require-hashes`), that signoff's reader does not know, or a `--hash` alone on a line
    (split off by a form feed, a line break to Python's `splitlines`). The attacker gains
    unhashed dependencies, or an unvetted hash one edit away from a requirement."""
    values = {"good": deployment.vetted.sha256, "evil": deployment.evil.sha256}
    given = _write(tmp_path,
                   f"{line.format(**values)}\nalpha==1.0 --hash=sha256:{values['good']}\n")
    failed_closed(check(deployment, given), given, 2)


@pytest.mark.parametrize("data", [
    b"# -*- coding: latin-1 -*-\nalpha==1.0 --hash=sha256:{good}\n# \xc4\x85 \n",
    b"# vim: set fileencoding=utf-7 :\nalpha==1.0 --hash=sha256:{good}\n",
    b"alpha==1.0 --hash=sha256:{good} # caf\xe9\n",
    b"\xef\xbb\xbf\xef\xbb\xbfalpha==1.0 --hash=sha256:{good}\n",
])
def test_encoding_tricks(deployment: Deployment, data: bytes,
        tmp_path: Path) -> None:
    """Bytes that decode differently under the installing machine's locale, a declared encoding
    or a byte-order mark: in latin-1, UTF-8's `\\xc4\\x85` holds NEL, a line break, so a
    comment can end early and what follows becomes a requirement. The attacker gains text that
    pip reads and signoff did not."""
    given = _write(tmp_path,
                   data.replace(b"{good}", deployment.vetted.sha256.encode()))
    failed_closed(check(deployment, given), given, 2)


def test_lock_output_is_read_as_written(deployment: Deployment, tmp_path: Path) -> None:
    """A UTF-16 file (its byte-order mark decides) whose first line declares latin-1 and
    whose comment holds `Å` before an unvetted requirement. `lock` writes UTF-8; read as
    latin-1 (the declaration now in the output's first two lines), `Å` is `Ã` and NEL, a line
    break, and the comment's tail becomes a requirement. The attacker gains an unvetted hash in
    the lock output. The output declares UTF-8 first, so pip reads what signoff wrote."""
    text = (f"# -*- coding: latin-1 -*-\nalpha==1.0 --hash=sha256:{deployment.vetted.sha256}\n"
            f"# \u00c5beta==1.0 --hash=sha256:{deployment.evil.sha256}\n")
    given = _write(tmp_path, "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"))
    assert check(deployment, given).returncode == 0
    assert pip_hashes(given) == {deployment.vetted.sha256}
    output = tmp_path / "out.txt"
    done = lock(deployment, given, output)
    assert done.returncode == 0, done.stdout + done.stderr
    assert pip_hashes(output) == {deployment.vetted.sha256}


@pytest.mark.parametrize("line", [
    "alpha @ https://example.invalid/alpha-1.0-py3-none-any.whl#sha256={evil}",
    "https://example.invalid/alpha-1.0-py3-none-any.whl#sha256={evil}",
    "-e git+https://example.invalid/alpha.git#egg=alpha",
    "./alpha-1.0-py3-none-any.whl",
    "alpha @ file:///tmp/alpha-1.0-py3-none-any.whl",
])
def test_url_editable_and_path_requirements(deployment: Deployment, line: str,
        tmp_path: Path) -> None:
    """Requirements pip fetches from a URL, a path or a VCS: a `#sha256=` fragment is a hash to
    pip, and a VCS or a folder is never hashed at all. The attacker gains an install from a
    place no attestation names. check fails; lock comments the line out and, when the line
    names its project, leaves the bare name without a hash so that pip refuses to install."""
    values = {"good": deployment.vetted.sha256, "evil": deployment.evil.sha256}
    given = _write(tmp_path,
                   f"beta==1.0 --hash=sha256:{deployment.other.sha256}\n"
                   f"{line.format(**values)}\n")
    failed_closed(check(deployment, given), given, 1)
    output = given.parent / "out.txt"
    lock(deployment, given, output)
    assert pip_hashes(output) <= {deployment.other.sha256}
    assert all(not row.strip() or row.startswith("#") or row.startswith("beta")
               or row in ("alpha", "--require-hashes")
               for row in output.read_text().splitlines()), output.read_text()


@pytest.mark.parametrize("spelling", [
    "--hash=sha256:{evil}",
    "--hash sha256:{evil}",
    "--hash='sha256:{evil}'",
    "--hash=sha256:'{evil}'",
    "--hash=\"sha256\":{evil}",
    "\\\n    --hash=sha256:{evil_head}\\\n{evil_tail}",
    "--hash=sha512:" + "1" * 128,
])
def test_lock_strips_every_spelling_of_an_unvetted_hash(deployment: Deployment, spelling: str,
                                                        tmp_path: Path) -> None:
    """An unvetted hash beside the vetted one, spelled as pip's shlex accepts it: quoted,
    split, continued mid-digest. The attacker gains an unvetted hash that a pattern-based lock
    fails to strip. lock must keep only the vetted hash, as pip reads the output."""
    evil = deployment.evil.sha256
    values = {"good": deployment.vetted.sha256, "evil": evil, "evil_head": evil[:30],
              "evil_tail": evil[30:]}
    given = _write(tmp_path,
                   "alpha==1.0 --hash=sha256:{good} ".format(**values)
                   + spelling.format(**values) + "\n")
    out = check(deployment, given)
    failed_closed(out, given, 1)
    output = given.parent / "out.txt"
    done = lock(deployment, given, output)
    assert done.returncode == 0, done.stdout + done.stderr
    assert pip_hashes(output) == {deployment.vetted.sha256}


@pytest.mark.parametrize("text", [
    "alpha==1.0 --hash=sha256:{good} # \\\n--hash=sha256:{evil}\n",
    "alpha==1.0 --hash=sha256:{good}\\\n#--hash=sha256:{evil}\n",
    "alpha==1.0 --hash=sha256:{good}\r--hash=sha256:{evil}\n",
    "alpha==1.0 --hash=sha256:{good}\u2028--hash=sha256:{evil}\n",
    "alpha==1.0 --hash=sha256:{good}#--hash=sha256:{evil}\n",
])
def test_comment_and_line_ending_tricks(deployment: Deployment, text: str,
        tmp_path: Path) -> None:
    """Comments that swallow a continuation, comments without a space before `#`, CR and
    Unicode line separators between a requirement and an unvetted hash. The attacker gains a
    hash that pip reads and signoff does not (or the reverse). Whatever signoff reads, pip
    must read the same: the lock keeps no hash pip would accept besides the vetted one."""
    values = {"good": deployment.vetted.sha256, "evil": deployment.evil.sha256}
    given = _write(tmp_path, text.format(**values))
    out = check(deployment, given)
    assert "Traceback" not in out.stdout + out.stderr
    if out.returncode == 0:
        # signoff saw only the vetted hash: so must pip.
        assert pip_hashes(given) == {deployment.vetted.sha256}
    output = given.parent / "out.txt"
    lock(deployment, given, output)
    if output.exists():
        assert pip_hashes(output) <= {deployment.vetted.sha256}
