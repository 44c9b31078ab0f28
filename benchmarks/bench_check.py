"""How long `check` takes on a registry of real signed attestations, cold and warm.

Cold: no signature cache (every signature goes through gpg). Warm: the blob-id cache in the
registry's git directory answers, so only reading and judging remain.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.builder import RegistryBuilder

FILES = 40
SIGNERS = 3


def main() -> None:
    """Build the registry, then time the check twice."""
    tmp = Path(tempfile.mkdtemp(prefix="so-bench-"))
    builder = RegistryBuilder(tmp)
    try:
        wheels = [builder.wheel(f"bench-project-{i}", "1.0") for i in range(FILES)]
        started = time.perf_counter()
        for wheel in wheels:
            for signer in ("alice", "bob", "carol")[:SIGNERS]:
                builder.approve(signer, wheel)
        sign_s = time.perf_counter() - started
        builder.policy(roots=["alice", "bob", "carol"], signers=2)
        cache = builder.registry.git_dir / "signoff" / "signatures.sqlite"
        cache.unlink(missing_ok=True)
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            report = builder.check(builder.dist)
            timings.append(time.perf_counter() - started)
            assert report.passed
        n = FILES * SIGNERS
        print(f"attest (sign + commit): {sign_s / n * 1000:.1f} ms per attestation ({n} total)")
        print(f"check, cold signature cache: {timings[0]:.2f} s for {FILES} files, {n} "
              f"signatures ({timings[0] / n * 1000:.2f} ms per signature)")
        print(f"check, warm signature cache: {timings[1]:.3f} s ({timings[1] / n * 1000:.2f} ms "
              "per attestation)")
    finally:
        builder.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
