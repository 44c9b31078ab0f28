"""The scale benchmark's smallest configuration, as a smoke test: it generates a registry,
runs every figure and writes its results. No timing is asserted (speed is measured by
`make bench`), only that each figure ran and that check's verdicts are the intended mix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_scale_benchmark_runs_at_its_smallest(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    env = {**os.environ, "BENCH_SIZES": "300", "BENCH_COMMITS": "15", "BENCH_PACKAGES": "6",
           "BENCH_ROOT": str(tmp_path / "cache"), "BENCH_RESULTS": str(results)}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_scale.py")],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(results.read_text())
    runs = doc["results"][0]["runs"]
    assert set(runs) == {"naive loop", "check cold", "check warm", "check warm, requirements",
                         "check cold, sequoia", "check warm, sequoia", "trust keys cold",
                         "trust keys warm", "validate 200", "validate 200, sequoia"}
    assert runs["check cold"]["exit_code"] == 1  # some files fail on purpose
    assert runs["validate 200"]["exit_code"] == 0
    assert all(run["peak_mb"] > 0 for run in runs.values())
    assert "| check warm |" in done.stdout
