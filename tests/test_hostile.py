"""Hostile and odd inputs that signoff already handles right: each test documents a behaviour
that must not regress (exit 2 naming the file, fail closed, nothing written on failure).

Cases where signoff behaves wrongly are not here; they were reported with their repro."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from signoff.attest.errors import InputError, PolicyError
from signoff.attest.gpg import UserGnuPG
from signoff.attest.model import Verdict
from signoff.registry.layout import statement_path
from signoff.registry.sign import Vouched, subject_for_file, vouch
from signoff.trust.decide.rules import JudgedAttestation
from signoff.trust.demo.sample_dists import build_sdist, build_wheel
from signoff.trust.inputs.requirements import parse_requirements
from signoff.trust.outcomes import Code
from signoff.trust.policy.policy import load_policy
from signoff.trust.report.words import describe
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git

VENV = Path(__file__).resolve().parent.parent / ".venv" / "bin"


def _gpg(home: Path, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--pinentry-mode",
                           "loopback", "--passphrase", "", *args],
                          input=data, capture_output=True, check=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _two_approvals(builder: RegistryBuilder) -> tuple[Path, Vouched]:
    """alice and bob (both roots) approve one wheel; the policy needs both. Returns bob's."""
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    bob = builder.approve("bob", f)
    builder.policy(roots=["alice", "bob"], signers=2)
    return f, bob


def _bob(builder: RegistryBuilder, judged: tuple[JudgedAttestation, ...]) -> JudgedAttestation:
    return next(j for j in judged if j.path.endswith(f"{builder.key('bob')}.yaml"))


# -- signatures that must not count ---------------------------------------------------------


def _sig_twice(b: RegistryBuilder, v: Vouched) -> None:
    sig = b.registry.read_file(v.path + ".asc")
    assert sig is not None
    b.commit_raw({v.path + ".asc": sig + sig})


def _sig_dearmored(b: RegistryBuilder, v: Vouched) -> None:
    sig = b.registry.read_file(v.path + ".asc")
    raw = subprocess.run(["gpg", "--dearmor"], input=sig, capture_output=True, check=True).stdout
    b.commit_raw({v.path + ".asc": raw})


def _sig_textmode(b: RegistryBuilder, v: Vouched) -> None:
    stmt = b.registry.read_file(v.path)
    assert stmt is not None
    sig = _gpg(b.home, "--local-user", b.key("bob"), "--textmode", "--armor", "--detach-sign",
               data=stmt).stdout
    assert b"BEGIN PGP SIGNATURE" in sig
    b.commit_raw({v.path + ".asc": sig})


def _sig_clearsigned(b: RegistryBuilder, v: Vouched) -> None:
    stmt = b.registry.read_file(v.path)
    assert stmt is not None
    clear = _gpg(b.home, "--local-user", b.key("bob"), "--clearsign", data=stmt).stdout
    b.commit_raw({v.path + ".asc": clear})


def _sig_inline_relabelled(b: RegistryBuilder, v: Vouched) -> None:
    # An inline-signed message by bob over the same bytes, its armor header relabelled.
    stmt = b.registry.read_file(v.path)
    assert stmt is not None
    msg = _gpg(b.home, "--local-user", b.key("bob"), "--armor", "--sign", data=stmt).stdout
    b.commit_raw({v.path + ".asc": msg.replace(b"PGP MESSAGE", b"PGP SIGNATURE")})


def _sig_garbage_armor(b: RegistryBuilder, v: Vouched) -> None:
    b.commit_raw({v.path + ".asc": b"-----BEGIN PGP SIGNATURE-----\n\nZm9v\n=AAAA\n"
                                   b"-----END PGP SIGNATURE-----\n"})


def _sig_empty(b: RegistryBuilder, v: Vouched) -> None:
    b.commit_raw({v.path + ".asc": b""})


def _sig_is_a_folder(b: RegistryBuilder, v: Vouched) -> None:
    b.commit_raw({v.path + ".asc": None, v.path + ".asc/x": b"x"})


def _sig_oversized(b: RegistryBuilder, v: Vouched) -> None:
    b.commit_raw({v.path + ".asc": b"-----BEGIN PGP SIGNATURE-----\n" + b"A" * 20000})


def _stmt_bom(b: RegistryBuilder, v: Vouched) -> None:
    stmt = b.registry.read_file(v.path)
    assert stmt is not None
    b.commit_raw({v.path: b"\xef\xbb\xbf" + stmt})


def _stmt_crlf(b: RegistryBuilder, v: Vouched) -> None:
    stmt = b.registry.read_file(v.path)
    assert stmt is not None
    b.commit_raw({v.path: stmt.replace(b"\n", b"\r\n")})


def _stmt_deep(b: RegistryBuilder, v: Vouched) -> None:
    b.commit_raw({v.path: b"signoff: " + b"[" * 30000 + b"]" * 30000 + b"\n"})


def _stmt_not_utf8(b: RegistryBuilder, v: Vouched) -> None:
    b.commit_raw({v.path: b"\xff\xfe\x00a"})


def _stmt_yaml_bomb(b: RegistryBuilder, v: Vouched) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    b.commit_raw({v.path: ("\n".join(lines) + "\n").encode()})


def _stmt_symlink(b: RegistryBuilder, v: Vouched) -> None:
    target = b.registry.path / v.path
    target.unlink()
    os.symlink("/etc/passwd", target)
    git(b.registry.path, "add", "-A")
    git(b.registry.path, "commit", "-qm", "symlink")


def _file_dir_submodule(b: RegistryBuilder, v: Vouched) -> None:
    directory = v.path.rsplit("/", 1)[0]
    git(b.registry.path, "rm", "-rq", "--cached", directory)
    git(b.registry.path, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},{directory}")
    git(b.registry.path, "commit", "-qm", "gitlink")


HOSTILE_SIGNATURES: dict[str, tuple[Callable[[RegistryBuilder, Vouched], None], str]] = {
    "two signatures in one file": (_sig_twice, "exactly one armored signature"),
    "binary (dearmored) signature": (_sig_dearmored, "not an armored OpenPGP signature"),
    "text-mode signature": (_sig_textmode, "not a binary signature"),
    "clearsigned file instead of detached": (_sig_clearsigned, "not an armored OpenPGP"),
    "inline-signed message relabelled": (_sig_inline_relabelled, "signature not good"),
    "garbage inside the armor": (_sig_garbage_armor, "did not report a valid signature"),
    "empty signature file": (_sig_empty, "not an armored OpenPGP signature"),
    "signature path is a folder": (_sig_is_a_folder, "no signature file"),
    "oversized signature": (_sig_oversized, "over its size cap"),
    "statement with a BOM prepended": (_stmt_bom, "byte-order mark"),
    "statement with CRLF line endings": (_stmt_crlf, "BAD signature"),
    "statement nested 30,000 deep": (_stmt_deep, "nesting depth"),
    "statement not UTF-8": (_stmt_not_utf8, "not valid UTF-8"),
    "statement that is a YAML bomb": (_stmt_yaml_bomb, "anchors"),
    "statement committed as a symlink": (_stmt_symlink, "malformed statement"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SIGNATURES))
def test_hostile_statement_or_signature_does_not_count_and_says_why(
        builder: RegistryBuilder, case: str) -> None:
    mutate, why = HOSTILE_SIGNATURES[case]
    f, bob = _two_approvals(builder)
    mutate(builder, bob)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    assert verdict.counted_signers == 1
    judged = _bob(builder, verdict.attestations)
    assert not judged.counted
    assert judged.why_not is not None and judged.why_not.code in (
        Code.STATEMENT_TOO_LARGE, Code.MALFORMED_STATEMENT, Code.BAD_SIGNATURE), judged.why_not
    assert why in describe(judged.why_not), judged.why_not


def test_a_file_directory_committed_as_a_submodule_is_not_read(builder: RegistryBuilder) -> None:
    f, bob = _two_approvals(builder)
    _file_dir_submodule(builder, bob)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed and verdict.counted_signers == 0


def test_the_version_directory_replaced_by_a_file_fails_closed(builder: RegistryBuilder) -> None:
    f, bob = _two_approvals(builder)
    version_dir = bob.path.rsplit("/", 2)[0]
    builder.commit_raw({p: None for p in git(builder.registry.path, "ls-files",
                                                version_dir).split()})
    builder.commit_raw({version_dir: b"not a tree"})
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed and not verdict.attestations


def test_an_attestation_signed_by_a_signing_subkey_counts_for_its_primary(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    alice = builder.key("alice", publish=False)
    assert _gpg(builder.home, "--quick-add-key", alice, "ed25519", "sign", "never"
                ).returncode == 0
    builder.publish("alice")
    listing = _gpg(builder.home, "--with-colons", "-k", alice).stdout.decode()
    subkey = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")][1]
    done = vouch(builder.registry, builder.user, subject_for_file(f), verdict=Verdict.APPROVED,
                 criteria=("safe-to-deploy",), key=subkey + "!")
    sig = builder.registry.read_file(done.path + ".asc")
    packets = subprocess.run(["gpg", "--list-packets"], input=sig, capture_output=True,
                             check=False).stdout.decode()
    assert subkey[-16:] in packets.upper()  # really made by the subkey
    assert done.attestation.signer == alice
    builder.policy(roots=["alice"], signers=1)
    assert builder.check(f).passed


# -- keys/ -------------------------------------------------------------------------------------


def test_an_armored_secret_key_in_keys_stops_the_check_naming_the_file(
        builder: RegistryBuilder) -> None:
    f, _ = _two_approvals(builder)
    mallory = builder.key("mallory", publish=False)
    secret = _gpg(builder.home, "--armor", "--export-secret-keys", mallory).stdout
    builder.commit_raw({f"keys/{mallory}.asc": secret})
    done = run_cli("check", str(f), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert done.returncode == 2
    assert f"keys/{mallory}.asc" in done.stderr and "secret key" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("content", [b"", b"hello, not a key\n", b"x" * (1024 * 1024 + 1)],
                         ids=["empty", "garbage", "over 1 MiB"])
def test_an_unusable_key_file_stops_the_check_naming_it(builder: RegistryBuilder,
                                                         content: bytes) -> None:
    f, _ = _two_approvals(builder)
    name = "keys/" + "A" * 40 + ".asc"
    builder.commit_raw({name: content})
    done = run_cli("check", str(f), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert done.returncode == 2
    assert name in done.stderr and "Traceback" not in done.stderr


def test_a_key_committed_as_a_submodule_is_ignored(builder: RegistryBuilder) -> None:
    f, _ = _two_approvals(builder)
    git(builder.registry.path, "update-index", "--add", "--cacheinfo",
         f"160000,{'1' * 40},keys/{'C' * 40}.asc")
    git(builder.registry.path, "commit", "-qm", "gitlink key")
    assert builder.check(f).passed


def test_a_key_file_holding_another_key_does_not_lend_its_name(builder: RegistryBuilder) -> None:
    # keys/<ALICE>.asc holds mallory's key; mallory signs as herself: her key is not "known".
    f = builder.wheel("tinyhttp", "1.0")
    alice = builder.key("alice", publish=False)
    mallory = builder.key("mallory", publish=False)
    builder.registry.add_key(alice, builder.user.export_public_key(mallory))
    builder.approve("mallory", f)
    builder.commit_raw({f"keys/{mallory}.asc": None})
    builder.policy(roots=["alice", "mallory"], signers=1)
    # A key file that holds another key is an error naming the file (issue 3), exit 2.
    with pytest.raises(InputError, match="its file name says") as info:
        builder.check(f)
    assert f"keys/{alice}.asc" in str(info.value)


# -- registries --------------------------------------------------------------------------------


def _policy_for(builder: RegistryBuilder, registry: Path) -> Path:
    path = builder.tmp / "other-policy.yaml"
    path.write_text(f"signoff: policy/v1\nregistries:\n  - path: {registry}\n"
                    f"trust:\n  roots: [{builder.key('alice')}]\n"
                    "require:\n  criteria: safe-to-deploy\n  signers: 1\n")
    return path


def test_bare_detached_worktree_and_shallow_registries_are_read(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    reg, tmp = builder.registry.path, builder.tmp
    git(tmp, "clone", "-q", "--bare", str(reg), str(tmp / "bare.git"))
    git(tmp, "clone", "-q", str(reg), str(tmp / "detached"))
    git(tmp / "detached", "checkout", "-q", "--detach")
    git(reg, "worktree", "add", "-q", str(tmp / "wt"))
    git(tmp, "clone", "-q", "--depth", "1", f"file://{reg}", str(tmp / "shallow"))
    for where in ("bare.git", "detached", "wt", "shallow"):
        done = run_cli("check", str(f), "--policy", str(_policy_for(builder, tmp / where)))
        assert done.returncode == 0, (where, done.stderr)
        if where == "shallow":
            assert "shallow" in done.stderr


@pytest.mark.parametrize("kind", ["unborn", "garbage main", "garbage HEAD, no main",
                                  "a plain file"])
def test_registries_that_cannot_be_read_exit_2_naming_them(builder: RegistryBuilder,
                                                           kind: str) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    target = builder.tmp / "bad"
    if kind == "unborn":
        git(builder.tmp, "init", "-q", str(target))
    elif kind.startswith("garbage"):
        git(builder.tmp, "clone", "-q", str(builder.registry.path), str(target))
        if kind == "garbage main":  # the ref read names no commit
            (target / ".git" / "refs" / "heads" / "main").write_text("garbage\n")
        else:  # no main, so HEAD would be read, and it is garbage
            git(target, "branch", "-q", "-m", "main", "other")
            (target / ".git" / "HEAD").write_text("garbage\n")
    else:
        target.write_text("not a repository\n")
    done = run_cli("check", str(f), "--policy", str(_policy_for(builder, target)))
    assert done.returncode == 2
    assert str(target) in done.stderr and "Traceback" not in done.stderr


# -- policies ----------------------------------------------------------------------------------

_BASE_POLICY = ("signoff: policy/v1\nregistries:\n  - path: registry\ntrust:\n"
                "  roots: [" + "A" * 40 + "]\nrequire:\n  criteria: safe-to-deploy\n"
                "  signers: 1\n")

# Each case names the exact line of the wrong value, however deeply it is nested.
HOSTILE_POLICIES: dict[str, tuple[str, int | None]] = {
    "signers huge": (_BASE_POLICY.replace("signers: 1", "signers: " + "9" * 40), 8),
    "signers negative": (_BASE_POLICY.replace("signers: 1", "signers: -1"), 8),
    "signers float": (_BASE_POLICY.replace("signers: 1", "signers: 1.5"), 8),
    "signers a string": (_BASE_POLICY.replace("signers: 1", "signers: '1'"), 8),
    "signers true": (_BASE_POLICY.replace("signers: 1", "signers: true"), 8),
    "roots empty": (_BASE_POLICY.replace("[" + "A" * 40 + "]", "[]"), 5),
    "roots a short key id": (_BASE_POLICY.replace("A" * 40, "A" * 16), 5),
    "roots a bare string": (_BASE_POLICY.replace("[" + "A" * 40 + "]", "A" * 40), 5),
    "trust null": (_BASE_POLICY.replace("  roots: [" + "A" * 40 + "]\n", ""), 4),
    "registries a mapping": (_BASE_POLICY.replace("\n  - path: registry", " {path: x}"), 2),
    "registries path empty": (_BASE_POLICY.replace("path: registry", "path: ''"), 3),
    "criteria redefines a built-in": (_BASE_POLICY + "criteria:\n  safe-to-run: {}\n", 10),
    "criteria name with spaces": (_BASE_POLICY + "criteria:\n  'A B': {}\n", 10),
    "require criteria empty": (_BASE_POLICY.replace("criteria: safe-to-deploy",
                                                    "criteria: []"), 7),
    "min-age negative": (_BASE_POLICY + "  min-age: -1d\n", 9),
    "min-age bare number": (_BASE_POLICY + "  min-age: 7\n", 9),
    "max-depth zero": (_BASE_POLICY.replace("trust:\n", "trust:\n  max-depth: 0\n"), 5),
    "introducer level ultimate": (_BASE_POLICY.replace(
        "trust:\n", "trust:\n  introducers: {" + "B" * 40 + ": ultimate}\n"), 5),
    "yaml 1.1 boolean key": (_BASE_POLICY + "on: 1\n", 9),
    "null key": (_BASE_POLICY + "~: 1\n", 9),
    "anchor": (_BASE_POLICY + "x: &a {b: 1}\n", 9),
    "tag": (_BASE_POLICY + "x: !!python/object:os.system {}\n", 9),
    "tabs for indentation": (_BASE_POLICY.replace("  ", "\t"), 3),
    "two documents": (_BASE_POLICY + "---\n" + _BASE_POLICY, 9),
    "nested 100,000 deep": (_BASE_POLICY + "rules: " + "[" * 100000 + "]" * 100000 + "\n", 9),
    "a list at the top": ("- a\n- b\n", 1),
    "empty": ("", None),
    "over 1 MiB": (_BASE_POLICY + "# " + "x" * (1024 * 1024) + "\n", None),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_POLICIES))
def test_hostile_policy_is_refused_naming_file_and_line(tmp_path: Path, case: str) -> None:
    text, line = HOSTILE_POLICIES[case]
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line


def test_policy_that_is_not_utf8_or_a_folder_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_bytes(b"signoff: policy/v1\n\xff\n")
    wheel = build_wheel(tmp_path, "tinyhttp", "1.0").path
    for policy in (bad, tmp_path):
        done = run_cli("check", str(wheel), "--policy", str(policy))
        assert done.returncode == 2 and str(policy) in done.stderr
        assert "Traceback" not in done.stderr


# -- requirements files ------------------------------------------------------------------------


def _requirements_case(tmp: Path, case: str, line: str) -> Path:
    top = tmp / "r.txt"
    if case == "include /dev/zero":
        top.write_text("-r /dev/zero\n" + line)
    elif case == "include a symlink to /dev/zero":
        os.symlink("/dev/zero", tmp / "z.txt")
        top.write_text("-r z.txt\n" + line)
    elif case == "include a folder":
        (tmp / "d.txt").mkdir()
        top.write_text("-r d.txt\n" + line)
    elif case == "include itself":
        top.write_text("-r r.txt\n" + line)
    elif case == "include cycle of two":
        (tmp / "b.txt").write_text("-c r.txt\n")
        top.write_text("-r b.txt\n" + line)
    elif case == "include 40 deep":
        for i in range(40):
            (tmp / f"d{i}.txt").write_text(f"-r d{i + 1}.txt\n")
        (tmp / "d40.txt").write_text(line)
        top.write_text("-r d0.txt\n")
    elif case == "remote include":
        top.write_text("-r https://example.org/r.txt\n" + line)
    elif case == "file: URL include":
        top.write_text("-r file:///etc/passwd\n" + line)
    elif case == "over 16 MiB":
        top.write_text(line + "#" * (16 * 1024 * 1024 + 1) + "\n")
    elif case == "md5 hash":
        top.write_text("tinyhttp==1.0 --hash=md5:" + "a" * 32 + "\n")
    elif case == "short sha256":
        top.write_text("tinyhttp==1.0 --hash=sha256:abc\n")
    elif case == "hash without algorithm":
        top.write_text("tinyhttp==1.0 --hash=" + "a" * 64 + "\n")
    elif case == "unknown option":
        top.write_text("--frobnicate\n" + line)
    elif case == "unknown marker variable":
        top.write_text("tinyhttp==1.0 ; foo > '2' --hash=sha256:" + "a" * 64 + "\n")
    else:
        raise AssertionError(case)
    return top


REQUIREMENT_CASES = ["include /dev/zero", "include a symlink to /dev/zero", "include a folder",
                     "include itself", "include cycle of two", "include 40 deep",
                     "remote include", "file: URL include", "over 16 MiB", "md5 hash",
                     "short sha256", "hash without algorithm", "unknown option",
                     "unknown marker variable"]


@pytest.mark.parametrize("case", REQUIREMENT_CASES)
def test_hostile_requirements_are_refused_naming_the_file(tmp_path: Path, case: str) -> None:
    top = _requirements_case(tmp_path, case, "tinyhttp==1.0 --hash=sha256:" + "a" * 64 + "\n")
    with pytest.raises(InputError) as caught:
        parse_requirements(top)
    assert caught.value.file is not None
    assert Path(caught.value.file).parent == tmp_path


def test_hostile_requirements_exit_2_through_the_cli(builder: RegistryBuilder) -> None:
    builder.policy(roots=["alice"], signers=1)
    top = _requirements_case(builder.tmp, "include /dev/zero", "")
    done = run_cli("check", str(top), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert done.returncode == 2
    assert f"{top}:1: cannot include /dev/zero: not a file" in done.stderr


@pytest.mark.parametrize("encoding", ["crlf", "utf-8 bom", "utf-16 bom"])
def test_requirements_with_crlf_or_a_bom_are_read_like_pip(builder: RegistryBuilder,
                                                           encoding: str) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.policy(roots=["alice"], signers=1)
    text = f"tinyhttp==1.0 \\\n    --hash=sha256:{_sha(f)}\n"
    top = builder.tmp / "requirements.txt"
    if encoding == "crlf":
        top.write_bytes(text.replace("\n", "\r\n").encode())
    elif encoding == "utf-8 bom":
        top.write_bytes(("\ufeff" + text).encode())
    else:
        top.write_bytes(("\ufeff" + text).encode("utf-16-le"))
    assert builder.check(top).passed


def test_lock_drops_a_sha512_alternative_so_pip_cannot_install_an_unvetted_file(
        builder: RegistryBuilder) -> None:
    good = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", good)
    builder.policy(roots=["alice"], signers=1)
    other = builder.tmp / "other"
    other.mkdir()
    evil = build_wheel(other, "tinyhttp", "1.0", requires=["surprise"]).path
    top = builder.tmp / "requirements.txt"
    top.write_text(f"tinyhttp==1.0 \\\n    --hash=sha256:{_sha(good)} \\\n"
                   f"    --hash=sha512:{hashlib.sha512(evil.read_bytes()).hexdigest()}\n")
    out = builder.tmp / "vetted.txt"
    done = run_cli("lock", str(top), "-o", str(out), "--policy",
                   str(builder.tmp / "signoff-policy.yaml"))
    assert done.returncode == 0, done.stderr
    assert "sha512" not in out.read_text()
    assert _sha(good) in out.read_text()


# -- attest: failures write nothing ------------------------------------------------------------


def _registry_state(builder: RegistryBuilder) -> tuple[str, str, list[str]]:
    reg = builder.registry.path
    files = sorted(str(p.relative_to(reg)) for p in reg.rglob("*") if ".git" not in p.parts)
    return (git(reg, "rev-parse", "HEAD"), git(reg, "status", "--porcelain", "--ignored",
                                                 "-uall"), files)


def test_attest_with_a_key_gpg_cannot_sign_with_writes_nothing(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.key("alice")
    env = {"GNUPGHOME": str(builder.home)}
    # A cheap passphrase protection: the agent's default calibration takes seconds.
    subprocess.run(["gpgconf", "--homedir", str(builder.home), "--kill", "gpg-agent"],
                   check=False)
    (builder.home / "gpg-agent.conf").write_text("s2k-count 65536\n")
    keys = []
    for uid, extra in (("expired <expired@example.org>", ["--faked-system-time",
                                                          "20200101T000000!"]),
                       ("locked <locked@example.org>", [])):
        # The expired key was made in 2020, valid for a day; the locked one has a passphrase.
        subprocess.run(["gpg", "--batch", "--homedir", str(builder.home), "--pinentry-mode",
                        "loopback", "--passphrase", "" if extra else "secret", *extra,
                        "--quick-gen-key", uid, "ed25519", "sign", "1d" if extra else "never"],
                       capture_output=True, check=True)
        listing = _gpg(builder.home, "--with-colons", "-K", uid).stdout.decode()
        keys.append(next(line.split(":")[9] for line in listing.splitlines()
                         if line.startswith("fpr:")))
    subprocess.run(["gpgconf", "--homedir", str(builder.home), "--kill", "gpg-agent"],
                   check=False)
    before = _registry_state(builder)
    for key in keys:
        done = run_cli("attest", str(f), "--key", key, "--criteria", "safe-to-deploy",
                       "--registry", str(builder.registry.path), env=env)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert _registry_state(builder) == before


@pytest.mark.parametrize("filename", ["../../tinyhttp-1.0.tar.gz", "/etc/tinyhttp-1.0.tar.gz",
                                      "sub/tinyhttp-1.0.tar.gz", "tiny\nhttp-1.0.tar.gz",
                                      "tinyhttp-1.0.exe", "..", ""])
def test_attest_by_hash_refuses_a_filename_that_is_not_a_bare_release_name(
        builder: RegistryBuilder, filename: str) -> None:
    builder.key("alice")
    before = _registry_state(builder)
    done = run_cli("attest", "--sha256", "a" * 64, "--size", "1", "--filename", filename,
                   "--criteria", "safe-to-deploy", "--key", builder.key("alice"),
                   "--registry", str(builder.registry.path),
                   env={"GNUPGHOME": str(builder.home)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert _registry_state(builder) == before


def test_attest_on_a_detached_head_writes_nothing(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.key("alice")
    git(builder.registry.path, "checkout", "-q", "--detach")
    before = _registry_state(builder)
    done = run_cli("attest", str(f), "--criteria", "safe-to-deploy", "--key",
                   builder.key("alice"), "--registry", str(builder.registry.path),
                   env={"GNUPGHOME": str(builder.home)})
    assert done.returncode == 2 and "detached" in done.stderr
    assert _registry_state(builder) == before


def test_a_control_character_comment_round_trips(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    done = vouch(builder.registry, UserGnuPG(builder.home), subject_for_file(f),
                 verdict=Verdict.APPROVED, criteria=("safe-to-deploy",),
                 comment="a\x01b\x7f\u2028c\ufeffd", key=builder.key("alice"))
    assert done.attestation.comment == "a\x01b\x7f\u2028c\ufeffd"
    builder.policy(roots=["alice"], signers=1)
    assert builder.check(f).passed


# -- odd names through real pip and uv ---------------------------------------------------------


def test_odd_names_and_versions_pass_through_pip_report_and_uv_compile(
        builder: RegistryBuilder) -> None:
    specs = [("Foo_Bar.Baz", "1.0"), ("epochy", "1!2.0"), ("localv", "1.0+abc.7"),
             ("posty", "1.0.post1"), ("prey", "1.0RC1")]
    for name, version in specs:
        for made in (build_wheel(builder.dist, name, version), build_sdist(builder.dist, name,
                                                                            version)):
            builder.approve("alice", made.path)
    builder.policy(roots=["alice"], signers=1)
    wanted = builder.tmp / "requirements.in"
    wanted.write_text("".join(f"{n}=={v}\n" for n, v in specs))
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "UV_NO_CONFIG": "1",
           "UV_CACHE_DIR": str(builder.tmp / "uv-cache")}
    report = builder.tmp / "report.json"
    compiled = builder.tmp / "compiled.txt"
    find = ["--no-index", "--find-links", str(builder.dist)]
    subprocess.run([str(VENV / "pip"), "install", "--dry-run", "--ignore-installed",
                    "--no-deps", *find, "--report", str(report), "-r", str(wanted)],
                   env=env, capture_output=True, check=True)
    subprocess.run([str(VENV / "uv"), "pip", "compile", "--generate-hashes", *find,
                    str(wanted), "-o", str(compiled)], env=env, capture_output=True, check=True)
    for made_by in (report, compiled, builder.dist):
        result = builder.check(made_by)
        assert result.passed, made_by
        assert len(result.verdicts) == (10 if made_by == builder.dist else 5)


def test_an_unsigned_statement_never_makes_a_file_pass(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    done = builder.approve("alice", f)
    stmt = builder.registry.read_file(done.path)
    assert stmt is not None
    mallory = builder.key("mallory")
    forged = statement_path("tinyhttp", "1.0", _sha(f), mallory)
    builder.commit_raw({forged: stmt.replace(builder.key("alice").encode(), mallory.encode())})
    builder.policy(roots=["alice", "mallory"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed and verdict.counted_signers == 1
    judged = next(j for j in verdict.attestations if j.path == forged)
    assert judged.why_not is not None and judged.why_not.code is Code.BAD_SIGNATURE
    assert "no signature file" in judged.why_not.params["problem"]
