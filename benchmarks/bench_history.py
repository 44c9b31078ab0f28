"""History index and pull-request validation on a generated registry of registry-scale history.

The history: 2,000 main-line commits adding 100 attestations each (a statement and its
signature: 400,000 paths, 200,000 attestations) over 20,000 projects in the sharded layout,
plus 200 keys. It is generated once with `git fast-import` and cached in `.bench/history/`
(gitignored); delete that folder to regenerate.

Prints: the cost of the ages of the 1,400 statements and 50 keys a large lock needs, by each
lever (signoff's pygit2 walk along just those paths, cold, warm and after new commits; `git
log` for many paths at once and for one path per call, with and without a commit-graph's Bloom
filters; bisecting the first-parent chain with pygit2), with peak memory; and `validate`'s
time on a pull request of 200 really signed attestations.

    .venv/bin/python benchmarks/bench_history.py
"""

from __future__ import annotations

import os
import random
import resource
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
from signoff.registry.history import PathHistory
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
LOCK_PATHS = 1400
"""Statements a 300-package lock needs (about 1,400 in the scale benchmark)."""
PER_PATH_SAMPLE = 20
GIT_LOG_PATHS = (10, 100)
"""git log's pathspec matching costs (tree entries x pathspecs): more paths take minutes."""
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


def sample_paths(repo: pygit2.Repository, count: int) -> list[str]:
    """`count` statement paths present at main, chosen at random (as a lock's files would be)."""
    listing = subprocess.run(["git", f"--git-dir={repo.path}", "ls-tree", "-r", "--name-only",
                              "main", "attestations"], capture_output=True, check=True, text=True)
    statements = [p for p in listing.stdout.splitlines() if p.endswith(".yaml")]
    return random.Random(5).sample(statements, count)


def bisect_first_seen(repo: pygit2.Repository, chain: list[pygit2.Commit], path: str
                      ) -> pygit2.Commit:
    """The lever not taken: bisect the first-parent chain (oldest first) on the path's entry
    id at the head. Correct only when a path never left and came back with the same id."""
    def entry(commit: pygit2.Commit) -> pygit2.Oid | None:
        try:
            return commit.tree[path].id
        except KeyError:
            return None
    target = entry(chain[-1])
    lo, hi = 0, len(chain) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if entry(chain[mid]) == target:
            hi = mid
        else:
            lo = mid + 1
    return chain[lo]


class Clock:
    """Wall time and CPU time (this process and its children) since it was made: on a shared
    machine the wall time varies with the load, the CPU time much less."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = self._cpu()

    @staticmethod
    def _cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    def __str__(self) -> str:
        return (f"{time.perf_counter() - self.wall:.2f} s wall, "
                f"{self._cpu() - self.cpu:.2f} s CPU")


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child (git), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def bench_levers(repo: pygit2.Repository) -> None:
    """First appearance for the paths at hand only: the levers, measured side by side."""
    head = repo.references["refs/heads/main"].target
    paths = sample_paths(repo, LOCK_PATHS)
    keys = [key_path(fake_fpr(k)) for k in range(0, KEYS, 4)]
    info = Path(repo.path) / "objects" / "info"
    shutil.rmtree(info / "commit-graphs", ignore_errors=True)
    (info / "commit-graph").unlink(missing_ok=True)

    def drop_cache() -> None:
        for suffix in ("", "-wal", "-shm"):
            (Path(repo.path) / "signoff" / f"history.sqlite{suffix}").unlink(missing_ok=True)

    drop_cache()
    clock = Clock()
    with PathHistory.open(repo).at(head) as history:
        chained = str(clock)
        found = history.first_seen_many(paths + keys)
        cold = str(clock)
        assert len(found) == len(paths) + len(keys)
    clock = Clock()
    with PathHistory.open(repo).at(head) as history:
        history.first_seen_many(paths + keys)
        warm = str(clock)
    print(f"pygit2 first-parent walk along the paths asked about (taken), for {len(paths)} "
          f"statements and {len(keys)} keys: cold {cold} (of it, the effective times of "
          f"{COMMITS} commits: {chained}); warm {warm}")

    # A fetch brings new commits: the answers at the old head are reused below it.
    tip = repo[head].peel(pygit2.Commit)
    who = pygit2.Signature("bench", "bench@example.org", T0 + COMMITS * STEP, 0)
    rng = random.Random(7)
    for n in range(NEW_COMMITS):
        path = statement_path("requests", f"9.{n}", rng.randbytes(32).hex(), fake_fpr(1))
        tree = tree_with(repo, tip.tree, {path: repo.create_blob(b"new %d" % n)})
        tip = repo[repo.create_commit(None, who, who, "new", tree, [tip.id])].peel(
            pygit2.Commit)
    clock = Clock()
    with PathHistory.open(repo).at(tip.id) as history:
        history.first_seen_many(paths + keys)
    print(f"after {NEW_COMMITS} new commits (answers at the old head reused): {clock}")
    own, _child = peak_rss_mb()
    print(f"peak memory of this process so far: {own:.0f} MB (most of it the benchmark's own "
          f"listing of {2 * COMMITS * PER_COMMIT} paths to sample from)")

    env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1"}
    log = ["git", f"--git-dir={repo.path}", "log", "--first-parent",
           "--diff-merges=first-parent", "--format=%H", "--name-status", "--no-renames",
           str(head), "--"]
    for label, graph in (("no commit-graph", False), ("commit-graph with Bloom filters", True)):
        if graph:
            started = time.perf_counter()
            subprocess.run(["git", f"--git-dir={repo.path}", "commit-graph", "write",
                            "--reachable", "--changed-paths"], check=True, capture_output=True)
            print(f"git commit-graph write --reachable --changed-paths: "
                  f"{time.perf_counter() - started:.1f} s")
        for count in GIT_LOG_PATHS:
            clock = Clock()
            subprocess.run([*log, *paths[:count]], check=True, capture_output=True, env=env)
            print(f"git log, {label}, one call for {count} paths: {clock}")
        few = paths[:PER_PATH_SAMPLE]
        clock = Clock()
        for path in few:
            subprocess.run([*log, path], check=True, capture_output=True, env=env)
        print(f"git log, {label}, one call per path, {len(few)} paths: {clock} (git "
              f"{git_version()} uses Bloom filters for one path per call only)")

    clock = Clock()
    chain = []
    commit: pygit2.Commit | None = repo[head].peel(pygit2.Commit)
    while commit is not None:
        chain.append(commit)
        commit = commit.parents[0] if commit.parent_ids else None
    chain.reverse()
    for path in paths:
        bisect_first_seen(repo, chain, path)
    print(f"bisecting the first-parent chain with pygit2, {len(paths)} paths: {clock} (not "
          "taken: across a removal it can land on an older presence, overstating an age)")


def git_version() -> str:
    return subprocess.run(["git", "--version"], capture_output=True, text=True,
                          check=True).stdout.split()[-1]


def pull_request(repo: pygit2.Repository, home: Path) -> pygit2.Oid:
    """A branch off main adding PR_SIZE really signed attestations by 4 new vetters."""
    user = UserGnuPG(home)
    fprs = [generate_key(home, f"vetter{i} <v{i}@example.org>") for i in range(4)]
    base = repo.references["refs/heads/main"].peel(pygit2.Commit)
    releases = [parse_attestation_path(p) for p in sample_paths(repo, PR_SIZE)]
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
    bench_levers(repo)
    bench_validate(repo)


if __name__ == "__main__":
    main()
