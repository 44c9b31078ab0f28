"""A generated registry at scale, for `bench_scale.py`: real keys, a real deployment input, and
filler attestations around them.

- Keys: 12 real ed25519 vetter keys. Vetter 0 is the policy's root and certifies vetters 1-8;
  vetters 9-11 are uncertified (their approvals do not count).
- The deployment input: PACKAGES packages with one or two files each, and 1 to 4 attestations
  per file by real vetters, really signed by gpg. Some fail on purpose: a rejection, a statement
  changed after signing (bad signature), approvals only by uncertified vetters.
- Filler: the rest of the attestations are by fingerprints that have no key in keys/, with one
  shared placeholder signature blob: they cost what a registry's size costs (trees, history),
  and nothing the deployment input needs. Nothing signs them, so generation stays fast.
- History: COMMITS main-line commits spread evenly over the year before generation; the
  deployment attestations land in random commits of the first nine tenths (so `min-age: 7d`
  holds), the filler everywhere.
- A branch `pr` off main adds 200 really signed attestations, for `registry validate`.

Built with `git fast-import`, cached under `.bench/scale/<parameters>/` (gitignored).
"""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from signoff.attest.gpg import UserGnuPG, certify_key, generate_key, kill_agent, new_home
from signoff.attest.model import Attestation, Subject, Verdict, dump_attestation
from signoff.registry.layout import key_path, statement_path
from signoff.registry.repo import LAYOUT_VERSION

VETTERS = 12
CERTIFIED = range(1, 9)
UNCERTIFIED = range(9, 12)
PR_SIZE = 200
FORMAT = 2
"""Bumped when what is generated changes: older caches are then regenerated."""


@dataclass(frozen=True)
class Scale:
    """What to generate."""

    attestations: int
    """Attestations in the registry in all (statement + signature each)."""
    commits: int
    """Main-line commits."""
    packages: int
    """Packages in the deployment input."""

    @property
    def name(self) -> str:
        """The cache folder's name: every parameter, so a change regenerates."""
        return f"v{FORMAT}-a{self.attestations}-c{self.commits}-p{self.packages}"


@dataclass(frozen=True)
class Generated:
    """Paths of a generated registry and its deployment input."""

    folder: Path
    repo: Path
    pylock: Path
    requirements: Path
    policy: Path
    seconds: float
    """How long generation took (0 when it came from the cache)."""

    @property
    def files(self) -> list[tuple[str, str, str]]:
        """(project, version, sha256) of every file in the deployment input."""
        rows = (self.folder / "files.tsv").read_text().splitlines()
        return [(p, v, s) for p, v, s in (row.split("\t") for row in rows)]


def generated(scale: Scale, root: Path) -> Generated:
    """The registry for `scale`, generated on first use and cached under `root`."""
    folder = root / scale.name
    result = Generated(folder, folder / "registry.git", folder / "pylock.toml",
                       folder / "requirements.txt", folder / "policy.yaml", 0.0)
    if (folder / "done").exists():
        return result
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    home = new_home()
    try:
        _generate(scale, folder, home)
    finally:
        kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)
    (folder / "done").touch()
    return Generated(result.folder, result.repo, result.pylock, result.requirements,
                     result.policy, time.perf_counter() - started)


def _data(blob: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(blob), blob)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 12)))


@dataclass
class _Release:
    project: str
    version: str
    files: list[tuple[str, str, int]]  # filename, sha256, size


def _generate(scale: Scale, folder: Path, home: Path) -> None:
    rng = random.Random(scale.name)
    user = UserGnuPG(home)
    fprs = [generate_key(home, f"vetter{i} <vetter{i}@example.org>") for i in range(VETTERS)]
    for i in CERTIFIED:
        certify_key(home, fprs[0], fprs[i])
    keys = {fpr: user.export_public_key(fpr) for fpr in fprs}
    now = datetime.now(tz=UTC).replace(microsecond=0)
    releases = _deployment(scale, rng)
    signed = _sign_deployment(releases, fprs, user, now, rng)
    _write_inputs(folder, releases, fprs[0])
    end = int(now.timestamp()) - 86_400
    start = end - 365 * 86_400
    placed: dict[int, list[tuple[str, bytes]]] = {}
    for path, blob in signed:
        placed.setdefault(rng.randrange(max(1, scale.commits * 9 // 10)), []).append((path, blob))
    filler = max(0, scale.attestations - len(signed) // 2)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(folder / "registry.git")],
                   check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--depth=0"],
                            cwd=folder / "registry.git", stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in _stream(scale, rng, keys, placed, filler, start, end):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    _pull_request(folder / "registry.git", fprs, user, now, rng)


def _deployment(scale: Scale, rng: random.Random) -> list[_Release]:
    releases = []
    for p in range(scale.packages):
        project, version = f"deploy-{p:03d}-{_name(rng)}", f"1.{p % 7}.{p % 3}"
        files = []
        for kind in ("py3-none-any.whl", "tar.gz")[:rng.choice((1, 2, 2))]:
            filename = (f"{project.replace('-', '_')}-{version}-{kind}" if kind.endswith("whl")
                        else f"{project}-{version}.tar.gz")
            files.append((filename, rng.randbytes(32).hex(), rng.randint(1_000, 900_000)))
        releases.append(_Release(project, version, files))
    return releases


def _sign_deployment(releases: list[_Release], fprs: list[str], user: UserGnuPG,
                     now: datetime, rng: random.Random) -> list[tuple[str, bytes]]:
    """Statements and their signatures for every file of the input; some fail on purpose."""
    out: list[tuple[str, bytes]] = []
    for release in releases:
        for filename, sha, size in release.files:
            fate = rng.random()
            pool = list(UNCERTIFIED) if fate < 0.05 else [*CERTIFIED, 0]
            signers = rng.sample(pool, min(len(pool), rng.choice((1, 2, 2, 3, 4))))
            subject = Subject(release.project, release.version, filename, sha, size)
            for n, who in enumerate(signers):
                verdict = Verdict.REJECTED if fate > 0.93 and n == 0 else Verdict.APPROVED
                att = Attestation(subject, verdict, ("safe-to-deploy",), fprs[who], now)
                statement = dump_attestation(att)
                signature = user.sign_detached(statement, fprs[who])
                if 0.05 <= fate < 0.08 and n == 0:
                    statement = statement.replace(b"safe-to-deploy", b"safe-to-run   ")
                path = statement_path(release.project, release.version, sha, fprs[who])
                out += [(path, statement), (path + ".asc", signature)]
    return out


def _write_inputs(folder: Path, releases: list[_Release], root: str) -> None:
    lock = ['lock-version = "1.0"', 'created-by = "signoff-bench"', ""]
    reqs = []
    rows = []
    for r in releases:
        lock += ["[[packages]]", f'name = "{r.project}"', f'version = "{r.version}"']
        wheels = [f for f in r.files if f[0].endswith(".whl")]
        sdists = [f for f in r.files if not f[0].endswith(".whl")]
        for filename, sha, size in sdists:
            lock.append(f'sdist = {{ name = "{filename}", url = "https://files.invalid/'
                        f'{filename}", size = {size}, hashes = {{ sha256 = "{sha}" }} }}')
        for filename, sha, size in wheels:
            lock += ["[[packages.wheels]]", f'name = "{filename}"',
                     f'url = "https://files.invalid/{filename}"', f"size = {size}",
                     f'hashes = {{ sha256 = "{sha}" }}']
        lock.append("")
        reqs.append(f"{r.project}=={r.version} " + " ".join(
            f"--hash=sha256:{sha}" for _, sha, _ in r.files))
        rows += [f"{r.project}\t{r.version}\t{sha}" for _, sha, _ in r.files]
    (folder / "pylock.toml").write_text("\n".join(lock))
    (folder / "requirements.txt").write_text("\n".join(reqs) + "\n")
    (folder / "files.tsv").write_text("\n".join(rows) + "\n")
    (folder / "policy.yaml").write_text(
        "signoff: policy/v1\nregistries:\n  - path: clone.git\n"
        f"trust:\n  roots: [{root}]\n"
        "require:\n  criteria: safe-to-deploy\n  signers: 2\n  min-age: 7d\n")


def _stream(scale: Scale, rng: random.Random, keys: dict[str, bytes],
            placed: dict[int, list[tuple[str, bytes]]], filler: int, start: int, end: int
            ) -> Iterator[bytes]:
    yield b"blob\nmark :1\n" + _data(b"-----BEGIN PGP SIGNATURE-----\n\nplaceholder, never "
                                     b"verified\n-----END PGP SIGNATURE-----\n")
    projects = [_name(rng) for _ in range(max(10, filler // 5))]
    per_commit, extra = divmod(filler, scale.commits)
    counter = 0
    step = (end - start) // max(1, scale.commits)
    for n in range(scale.commits):
        yield (b"commit refs/heads/main\ncommitter bench <bench@example.org> %d +0000\n"
               % (start + n * step) + _data(b"commit %d" % n))
        if n == 0:
            yield b"M 100644 inline registry.yaml\n" + _data(
                f"signoff: registry/v1\nname: bench\nlayout: {LAYOUT_VERSION}\n".encode())
            for fpr, armored in keys.items():
                yield f"M 100644 inline {key_path(fpr)}\n".encode() + _data(armored)
        for path, blob in placed.get(n, []):
            yield f"M 100644 inline {path}\n".encode() + _data(blob)
        for _ in range(per_commit + (1 if n < extra else 0)):
            counter += 1
            project = rng.choice(projects)
            version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}"
            sha = hashlib.sha256(b"%d" % counter).hexdigest()
            fpr = f"{rng.randrange(5000):040X}"
            path = statement_path(project, version, sha, fpr)
            yield f"M 100644 inline {path}\n".encode() + _data(
                (f"signoff: attestation/v1\nsubject:\n  project: {project}\n  version: "
                 f"'{version}'\n  filename: {project}-{version}.tar.gz\n  sha256: {sha}\n  "
                 f"size: {1000 + counter}\nverdict: approved\ncriteria: [safe-to-deploy]\n"
                 f"signer: {fpr}\ndate: '2025-01-01T00:00:00Z'\n").encode())
            yield f"M 100644 :1 {path}.asc\n".encode()


def _pull_request(repo_path: Path, fprs: list[str], user: UserGnuPG, now: datetime,
                  rng: random.Random) -> None:
    """Branch `pr`: PR_SIZE really signed attestations of new releases by certified vetters."""
    import pygit2

    from signoff.registry.gittree import tree_with

    repo = pygit2.Repository(str(repo_path))
    base = repo.references["refs/heads/main"].peel(pygit2.Commit)
    files: dict[str, bytes] = {}
    for n in range(PR_SIZE):
        fpr = fprs[CERTIFIED[n % len(CERTIFIED)]]
        project = f"pr-{n:03d}-{_name(rng)}"
        subject = Subject(project, "2.0", f"{project}-2.0.tar.gz", rng.randbytes(32).hex(),
                          1000 + n)
        statement = dump_attestation(Attestation(subject, Verdict.APPROVED,
                                                 ("safe-to-deploy",), fpr, now))
        path = statement_path(project, "2.0", subject.sha256, fpr)
        files[path] = statement
        files[path + ".asc"] = user.sign_detached(statement, fpr)
    tree = tree_with(repo, base.tree, {p: repo.create_blob(d) for p, d in files.items()})
    who = pygit2.Signature("bench", "bench@example.org")
    head = repo.create_commit(None, who, who, "pull request", tree, [base.id])
    repo.references.create("refs/heads/pr", head, force=True)
