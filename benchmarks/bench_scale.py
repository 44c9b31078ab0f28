"""signoff at registry scale, side by side with the naive loop (`naive_loop.py`) on the same data.

For each registry size: `check` of a 300-package pylock.toml cold (fresh process, fresh bare
clone, empty caches) and warm, the same input as a requirements file (warm), `registry
validate` of a 200-attestation pull request, and `trust keys` cold and warm. Every figure is
a separate process, timed from outside with its peak memory (the largest resident set of the
process and its children, from getrusage in a wrapper). Results are printed as a table with
ratios to the naive loop and written to benchmarks/results.json. The registries are
generated once per parameter set (`scale_registry.py`) and cached under .bench/scale/.

    make bench                                  # 10,000 and 100,000 attestations
    BENCH_SIZES=1000000 make bench              # one million (generation takes a while)
    BENCH_SIZES=10000 BENCH_PACKAGES=50 ...     # other knobs: BENCH_COMMITS, BENCH_ROOT,
                                                # BENCH_RESULTS, SIGNOFF_VERIFIER
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale_registry import Generated, Scale, generated

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Run:
    """One timed process."""

    seconds: float
    peak_mb: float
    exit_code: int


_WRAPPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
with open(sys.argv[2], "wb") as sink:
    done = subprocess.run(sys.argv[3:], stdout=sink, stderr=subprocess.PIPE)
took = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write(f"{took} {peak} {done.returncode}")
sys.stderr.buffer.write(done.stderr)
"""
"""Runs one command and records its wall time and the peak resident set of it and its
children (a fresh wrapper per command, so that no other process's peak counts)."""


def _timed(argv: list[str], cwd: Path, out: Path | None = None, verifier: str = "gpg") -> Run:
    """Run `argv` in a fresh wrapper process: wall seconds and peak resident memory."""
    stats = cwd / "time.txt"
    done = subprocess.run([sys.executable, "-c", _WRAPPER, str(stats), str(out or os.devnull),
                           *argv], cwd=cwd, stderr=subprocess.PIPE, check=False,
                          env={**os.environ, "SIGNOFF_VERIFIER": verifier})
    seconds, kb, code = stats.read_text().split()
    if int(code) not in (0, 1):
        sys.stderr.write(done.stderr.decode("utf-8", "replace")[-2000:])
        raise SystemExit(f"{argv[0]} failed with exit {code}")
    return Run(float(seconds), int(kb) / 1024, int(code))


def _fresh_clone(gen: Generated, work: Path, name: str) -> Path:
    folder = work / name
    folder.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(gen.repo), str(folder / "clone.git")],
                   check=True)
    shutil.copy(gen.policy, folder / "policy.yaml")
    return folder


def _signoff(*args: str) -> list[str]:
    return [str(BIN / "signoff"), *args]


def measure(gen: Generated, work: Path) -> dict[str, Run]:
    """Every figure for one generated registry."""
    runs: dict[str, Run] = {}
    naive = _fresh_clone(gen, work, "naive")
    runs["naive loop"] = _timed([sys.executable, str(ROOT / "benchmarks" / "naive_loop.py"),
                                 str(naive / "clone.git"), str(gen.folder / "files.tsv")], naive)
    check = _fresh_clone(gen, work, "check")
    argv = _signoff("check", "--pylock", str(gen.pylock), "--policy", "policy.yaml",
                    "--state-dir", "state", "--format", "json")
    runs["check cold"] = _timed(argv, check, check / "cold.json")
    runs["check warm"] = _timed(argv, check, check / "warm.json")
    runs["check warm, requirements"] = _timed(
        _signoff("check", "-r", str(gen.requirements), "--policy", "policy.yaml",
                 "--state-dir", "state", "--format", "json"), check, check / "reqs.json")
    cold, warm = (json.loads((check / f).read_text()) for f in ("cold.json", "warm.json"))
    assert _verdicts(cold) == _verdicts(warm), "warm and cold checks disagree"
    fast = _fresh_clone(gen, work, "check-sequoia")
    argv = _signoff("check", "--pylock", str(gen.pylock), "--policy", "policy.yaml",
                    "--state-dir", "state", "--format", "json")
    runs["check cold, sequoia"] = _timed(argv, fast, fast / "cold.json", "sequoia")
    runs["check warm, sequoia"] = _timed(argv, fast, fast / "warm.json", "sequoia")
    assert _verdicts(json.loads((fast / "cold.json").read_text())) == _verdicts(cold), \
        "gpg and sequoia disagree"
    keys = _fresh_clone(gen, work, "keys")
    argv = _signoff("trust", "keys", "--policy", "policy.yaml", "--state-dir", "state")
    runs["trust keys cold"] = _timed(argv, keys)
    runs["trust keys warm"] = _timed(argv, keys)
    pr = _fresh_clone(gen, work, "validate")
    argv = _signoff("registry", "validate", "--base", "main", "--head", "pr", "--registry",
                    "clone.git")
    runs["validate 200"] = _timed(argv, pr)
    runs["validate 200, sequoia"] = _timed(argv, pr, verifier="sequoia")
    passed = sum(1 for f in cold["files"] if f.get("status") == "pass")
    print(f"  check: {passed} of {len(cold['files'])} files pass (exit "
          f"{runs['check cold'].exit_code})")
    return runs


def _verdicts(report: dict[str, list[dict[str, object]]]) -> list[object]:
    """What must not change between runs: each file's verdict and which statements counted."""
    return [(f.get("status"), [a.get("counted") for a in f.get("attestations", [])])  # type: ignore[attr-defined]
            for f in report["files"]]


def _table(results: list[dict[str, object]]) -> str:
    head = ["attestations", "figure", "seconds", "vs naive", "peak MB"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for result in results:
        runs = result["runs"]
        assert isinstance(runs, dict)
        naive = runs["naive loop"]["seconds"]
        for name, run in runs.items():
            ratio = naive / run["seconds"] if run["seconds"] else float("inf")
            lines.append(f"{result['attestations']:,} | {name} | {run['seconds']:.2f} | "
                         f"{ratio:.1f}x | {run['peak_mb']:.0f}")
    return "\n".join("| " + line + " |" for line in lines)


def main() -> None:
    """Generate (or reuse) each registry size, measure, print and write the results."""
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    commits = int(os.environ.get("BENCH_COMMITS", "2000"))
    packages = int(os.environ.get("BENCH_PACKAGES", "300"))
    cache = Path(os.environ.get("BENCH_ROOT", ROOT / ".bench" / "scale"))
    out = Path(os.environ.get("BENCH_RESULTS", ROOT / "benchmarks" / "results.json"))
    results: list[dict[str, object]] = []
    for size in sizes:
        scale = Scale(size, min(commits, size), packages)
        gen = generated(scale, cache)
        note = f"generated in {gen.seconds:.0f} s" if gen.seconds else "from the cache"
        print(f"== {size:,} attestations, {scale.commits} commits, {packages} packages ({note})")
        work = Path(tempfile.mkdtemp(prefix="so-bench-"))
        try:
            runs = measure(gen, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results.append({"attestations": size, "commits": scale.commits, "packages": packages,
                         "input_files": len(gen.files), "generated_seconds": gen.seconds,
                         "runs": {name: asdict(run) for name, run in runs.items()}})
    print(_table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"verifier": os.environ.get("SIGNOFF_VERIFIER", "gpg"),
                               "results": results}, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
