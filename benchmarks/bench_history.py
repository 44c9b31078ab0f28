"""History index and pull-request validation on a generated registry of registry-scale history.

The history: 2,000 main-line commits adding 100 attestations each (a statement and its
signature: 400,000 paths, 200,000 attestations) over 20,000 projects in the sharded layout,
plus 200 keys. It is generated once with `git fast-import` and cached in `.bench/history/`
(gitignored); delete that folder to regenerate.

Prints: the index build time from scratch, the incremental cost per new commit, lookup costs,
and `validate`'s time on a pull request of 200 really signed attestations.

    .venv/bin/python benchmarks/bench_history.py
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pygit2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signoff.attest.gpg import UserGnuPG, generate_key, kill_agent, new_home
from signoff.attest.model import Attestation, Subject, Verdict, dump_attestation
from signoff.registry.gittree import tree_with
from signoff.registry.history import HistoryIndex
from signoff.registry.layout import key_path, parse_attestation_path, statement_path
from signoff.registry.validate import validate

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench" / "history"
COMMITS = int(os.environ.get("BENCH_COMMITS", "2000"))
PER_COMMIT = int(os.environ.get("BENCH_PER_COMMIT", "100"))
PROJECTS = 20_000
KEYS = 200
T0 = 1_600_000_000
STEP = 3_600
NEW_COMMITS = 20
PR_SIZE = 200


def fake_fpr(i: int) -> str:
    return f"{i:040X}"


def project_name(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 12)))


def statement(project: str, version: str, sha: str, fpr: str, i: int) -> bytes:
    return (f"signoff: attestation/v1\nsubject:\n  project: {project}\n  version: '{version}'\n"
            f"  filename: {project}-{version}.tar.gz\n  sha256: {sha}\n  size: {1000 + i}\n"
            f"verdict: approved\ncriteria: [safe-to-deploy]\nsigner: {fpr}\n"
            f"date: '2020-09-13T12:26:40Z'\ncomment: generated {i}\n").encode()


def data(blob: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(blob), blob)


def fast_import_stream(rng: random.Random) -> Iterator[bytes]:
    projects = sorted({project_name(rng) for _ in range(PROJECTS)})
    yield b"blob\nmark :1\n" + data(b"-----BEGIN PGP SIGNATURE-----\n\nfake\n"
                                    b"-----END PGP SIGNATURE-----\n")
    counter = 0
    for n in range(COMMITS):
        when = T0 + n * STEP
        yield (b"commit refs/heads/main\ncommitter bench <bench@example.org> %d +0000\n" % when
               + data(b"commit %d" % n))
        if n == 0:
            yield b"M 100644 inline registry.yaml\n" + data(b"signoff: registry/v1\nname: bench\n")
            for k in range(KEYS):
                yield f"M 100644 inline {key_path(fake_fpr(k))}\n".encode() + data(b"key %d" % k)
        for _ in range(PER_COMMIT):
            counter += 1
            project = rng.choice(projects)
            version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}"
            sha = rng.randbytes(32).hex()
            fpr = fake_fpr(rng.randrange(KEYS))
            path = statement_path(project, version, sha, fpr)
            yield f"M 100644 inline {path}\n".encode() + data(
                statement(project, version, sha, fpr, counter))
            yield f"M 100644 :1 {path}.asc\n".encode()


def generated_repo() -> pygit2.Repository:
    """The cached generated registry, made on first use."""
    marker = CACHE / f"done-{COMMITS}-{PER_COMMIT}"
    repo_path = CACHE / "repo.git"
    if not marker.exists():
        shutil.rmtree(CACHE, ignore_errors=True)
        CACHE.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo_path)], check=True)
        started = time.perf_counter()
        proc = subprocess.Popen(["git", "fast-import", "--quiet", "--depth=0"], cwd=repo_path,
                                stdin=subprocess.PIPE)
        assert proc.stdin is not None
        for chunk in fast_import_stream(random.Random(4)):
            proc.stdin.write(chunk)
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit("git fast-import failed")
        print(f"generated {COMMITS} commits, {COMMITS * PER_COMMIT} attestations "
              f"({2 * COMMITS * PER_COMMIT} paths) in {time.perf_counter() - started:.1f} s")
        marker.touch()
    return pygit2.Repository(str(repo_path))


def bench_index(repo: pygit2.Repository) -> None:
    head = repo.references["refs/heads/main"].target
    db = Path(repo.path) / "signoff" / "history.sqlite"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    with HistoryIndex.open(repo) as index:
        stats = index.update(head)
        build = time.perf_counter() - started
        print(f"index build from scratch: {build:.2f} s for {stats.commits} commits, "
              f"{stats.new_paths} paths ({build / stats.commits * 1000:.2f} ms per commit); "
              f"index file {db.stat().st_size / 1e6:.0f} MB")

        # New commits on top, as a merged pull request would add them: one attestation each.
        rng = random.Random(7)
        tip = repo[head].peel(pygit2.Commit)
        who = pygit2.Signature("bench", "bench@example.org", T0 + COMMITS * STEP, 0)
        new_heads = []
        for n in range(NEW_COMMITS):
            path = statement_path("requests", f"9.{n}", rng.randbytes(32).hex(), fake_fpr(1))
            tree = tree_with(repo, tip.tree, {path: repo.create_blob(b"new %d" % n),
                                              path + ".asc": repo.create_blob(b"sig")})
            oid = repo.create_commit(None, who, who, "new", tree, [tip.id])
            tip = repo[oid].peel(pygit2.Commit)
            new_heads.append(oid)
        started = time.perf_counter()
        for oid in new_heads:
            index.update(oid)
        per_commit = (time.perf_counter() - started) / NEW_COMMITS
        print(f"incremental update: {per_commit * 1000:.2f} ms per new commit "
              f"({NEW_COMMITS} commits, one update each)")
        started = time.perf_counter()
        assert index.update(new_heads[-1]).commits == 0
        print(f"update at the same head: {(time.perf_counter() - started) * 1000:.2f} ms")

        paths = [row[0] for row in index.db.execute(
            "SELECT path FROM paths ORDER BY random() LIMIT 10000")]
        started = time.perf_counter()
        for path in paths:
            index.first_seen(path)
        single = (time.perf_counter() - started) / len(paths)
        started = time.perf_counter()
        found = index.first_seen_many(paths)
        bulk = (time.perf_counter() - started) / len(paths)
        assert len(found) == len(paths)
        print(f"first_seen: {single * 1e6:.1f} µs per path one by one, "
              f"{bulk * 1e6:.1f} µs per path in bulk ({len(paths)} paths)")

        # A force-push that drops the new commits: the index must rebuild, not reuse.
        started = time.perf_counter()
        stats = index.update(head)
        print(f"update after a rewrite (rebuild): {time.perf_counter() - started:.2f} s, "
              f"rebuilt={stats.rebuilt}")


def pull_request(repo: pygit2.Repository, home: Path) -> pygit2.Oid:
    """A branch off main adding PR_SIZE really signed attestations by 4 new vetters."""
    user = UserGnuPG(home)
    fprs = [generate_key(home, f"vetter{i} <v{i}@example.org>") for i in range(4)]
    base = repo.references["refs/heads/main"].peel(pygit2.Commit)
    with HistoryIndex.open(repo) as index:
        releases = [parse_attestation_path(row[0]) for row in index.db.execute(
            "SELECT path FROM paths WHERE path LIKE 'attestations/%.yaml' "
            "ORDER BY random() LIMIT ?", (PR_SIZE,))]
    files: dict[str, bytes] = {key_path(f): user.export_public_key(f) for f in fprs}
    rng = random.Random(11)
    now = datetime.now(tz=UTC).replace(microsecond=0)
    for n, release in enumerate(releases):
        assert release is not None
        fpr = fprs[n % len(fprs)]
        subject = Subject(release.project, release.version,
                          f"{release.project}-{release.version}-py3-none-any.whl",
                          rng.randbytes(32).hex(), 1000 + n)
        statement = dump_attestation(Attestation(subject, Verdict.APPROVED,
                                                 ("safe-to-deploy",), fpr, now))
        path = statement_path(subject.project, subject.version, subject.sha256, fpr)
        files[path] = statement
        files[path + ".asc"] = user.sign_detached(statement, fpr)
    tree = tree_with(repo, base.tree, {p: repo.create_blob(d) for p, d in files.items()})
    who = pygit2.Signature("bench", "bench@example.org")
    head = repo.create_commit(None, who, who, "pull request", tree, [base.id])
    repo.references.create("refs/heads/pr", head, force=True)
    return head


def bench_validate(repo: pygit2.Repository) -> None:
    home = new_home()
    try:
        started = time.perf_counter()
        head = pull_request(repo, home)
        print(f"made a pull request of {PR_SIZE} signed attestations in "
              f"{time.perf_counter() - started:.1f} s")
    finally:
        kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)
    for workers in (1, 2):
        started = time.perf_counter()
        report = validate(repo, "main", str(head), workers=workers)
        took = time.perf_counter() - started
        assert report.ok and report.statements == PR_SIZE, report.findings[:3]
        print(f"validate, pull request of {PR_SIZE} attestations and 4 new keys, "
              f"{workers} verify thread(s): {took:.2f} s")


def main() -> None:
    repo = generated_repo()
    bench_index(repo)
    bench_validate(repo)


if __name__ == "__main__":
    main()
