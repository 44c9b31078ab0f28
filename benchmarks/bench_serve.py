"""Load on `signoff serve`: bursts of 200 concurrent project-page requests on loopback.

Reports throughput, p50 and p99 latency, and the server's peak resident memory (VmHWM). The
first burst is cold (verdicts not cached yet); the others are warm. The upstream is the tests'
loopback index, which answers every revalidation with 304. Bounded: 5 bursts, 60 s each at most.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from tests.builder import RegistryBuilder
from tests.simple_upstream import run_signoff_serve, serve_upstream
from tests.vetted_scenario import build_scenario

CONCURRENT = 200
BURSTS = 5
PROJECTS = ["alpha", "beta", "foobar", "envdep", "zeta-pkg", "delta", "gamma"]
ACCEPT = ["application/vnd.pypi.simple.v1+json", "text/html"]


async def burst(url: str) -> tuple[float, list[float], int]:
    """CONCURRENT requests at once; (wall seconds, latencies, failures)."""
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def one(i: int) -> tuple[float, bool]:
            started = time.perf_counter()
            response = await client.get(f"{url}/simple/{PROJECTS[i % len(PROJECTS)]}/",
                                        headers={"Accept": ACCEPT[i % 2]})
            return time.perf_counter() - started, response.status_code == 200
        started = time.perf_counter()
        results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(CONCURRENT))),
                                         timeout=60)
        wall = time.perf_counter() - started
    return wall, [r[0] for r in results], sum(1 for r in results if not r[1])


def peak_memory_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    """Build the scenario, start the server, and time the bursts."""
    tmp = Path(tempfile.mkdtemp(prefix="so-bench-serve-"))
    builder = RegistryBuilder(tmp)
    try:
        scenario = build_scenario(builder)
        with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
                scenario.policy, upstream, tmp) as server:
            for i in range(BURSTS):
                wall, latencies, failures = asyncio.run(burst(server.url))
                ordered = sorted(latencies)
                p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
                print(f"burst {i + 1} ({'cold' if i == 0 else 'warm'}): {CONCURRENT} concurrent "
                      f"project pages in {wall:.2f} s = {CONCURRENT / wall:.0f} req/s; "
                      f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
                      f"p99 {p99 * 1000:.0f} ms; {failures} failed")
            print(f"server peak memory (VmHWM): {peak_memory_kib(server.process.pid) / 1024:.0f} "
                  "MiB")
        # The client, the upstream and the server share this machine's cores.
        print("load average (1, 5, 15 min): " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        builder.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
