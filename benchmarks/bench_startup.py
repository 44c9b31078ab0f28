"""Start-up: wall time of `signoff --help` and `signoff --version` on a warm cache, against
`python -c pass` (the interpreter's own start-up), as the median of several runs.

The goal is `signoff --help` under 0.2 s: the root imports no command's dependencies (pygit2,
GnuPG, rich, YAML, the server stack); a command's are imported when it runs. The ratio to the
bare interpreter is printed too, since a loaded machine slows every process alike. The figures
are measured, never asserted.

Run: .venv/bin/python benchmarks/bench_startup.py
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 15
SIGNOFF = Path(sys.executable).parent / "signoff"


def median_seconds(argv: list[str]) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `argv` over RUNS runs, after
    two warm-up runs. CPU time stays meaningful on a machine busy with other work."""
    wall, cpu = [], []
    for i in range(RUNS + 2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= 2:
            wall.append(took)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    """Print each command's median time and its ratio to the bare interpreter."""
    base, base_cpu = median_seconds([sys.executable, "-c", "pass"])
    print(f"{'python -c pass':<22}{base * 1000:7.1f} ms wall {base_cpu * 1000:7.1f} ms cpu")
    for argv in (["--help"], ["--version"], ["check", "--help"]):
        took, cpu = median_seconds([str(SIGNOFF), *argv])
        goal = "  (goal: --help < 200 ms)" if argv == ["--help"] else ""
        print(f"signoff {' '.join(argv):<14}{took * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms cpu"
              f"  {took / base:5.1f}x python -c pass{goal}")


if __name__ == "__main__":
    main()
