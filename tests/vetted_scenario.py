"""One scenario for the vetted index tests: a registry, an upstream, and what is vetted.

- alpha 1.0 (wheel, sdist): vetted; needs beta>=1.0.
- beta 1.0 (wheel): vetted. beta 1.1 wheel: rejected by alice; its sdist unattested.
- foobar 2.0 (wheel, sdist): vetted; foobar 2.0.1: unattested.
- envdep 1.0 (wheel): vetted; needs beta, and gamma only on Windows.
- gamma 0.5: unattested. zeta-pkg 3.0: vetted (a name that normalises).
- delta 1.0 (wheel): approved, but in quarantine (min-age 7d for delta).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from signoff.trust.demo.sample_dists import build_wheel
from tests.builder import RegistryBuilder
from tests.dists import DistSet, build_standard_set
from tests.simple_upstream import FakeUpstream

VETTED = ["alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz", "beta-1.0-py3-none-any.whl",
          "foobar-2.0-py3-none-any.whl", "foobar-2.0.tar.gz", "envdep-1.0-py3-none-any.whl",
          "zeta_pkg-3.0-py3-none-any.whl"]
REJECTED = ["beta-1.1-py3-none-any.whl"]
QUARANTINED = ["delta-1.0-py3-none-any.whl"]


@dataclass
class Scenario:
    """The built scenario."""

    builder: RegistryBuilder
    dists: DistSet
    upstream: FakeUpstream
    policy: Path

    def path(self, filename: str) -> Path:
        """The local copy of a release file."""
        return self.dists.folder / filename


def build_scenario(b: RegistryBuilder, quarantine: str = "7d", approve_quarantined: bool = True
                   ) -> Scenario:
    """Build the files, the attestations, the policy and the upstream listing."""
    dists = build_standard_set(b.tmp / "files")
    for extra in (build_wheel(dists.folder, "envdep", "1.0",
                              ["beta>=1.0", 'gamma ; sys_platform == "win32"']),
                  build_wheel(dists.folder, "delta", "1.0")):
        dists.dists[extra.filename] = extra
    upstream = FakeUpstream()
    for name in sorted(dists.dists):
        upstream.add(dists.folder / name, requires_python=">=3.8")
    for name in VETTED + (QUARANTINED if approve_quarantined else []):
        b.approve("alice", dists.folder / name)
    for name in REJECTED:
        b.reject("alice", dists.folder / name)
    policy = b.policy(["alice"], signers=1, extra=(
        f"rules:\n  - projects: [delta]\n    require: {{signers: 1, min-age: {quarantine}}}\n"))
    return Scenario(b, dists, upstream, policy)
