"""One vetted scenario for the attacks on deployment inputs and policies, and the assertions that
say an attack failed closed.

The scenario (built once per module): alice's key is the policy's root; she approves
`alpha-1.0-py3-none-any.whl` (the vetted file) and nothing else. `evil` is a file with the same
name and other bytes, as an attacker would serve it. Commands run through `main(argv)` in this
process under a SIGALRM timeout, so a hang fails the test instead of the run; an uncaught
exception (a traceback) propagates and fails it too.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
from pip._internal.network.session import PipSession
from pip._internal.req.req_file import parse_requirements as pip_parse_requirements

from signoff.trust.demo.sample_dists import Dist, build_wheel
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli

TIMEOUT = 60
"""Seconds before a command counts as hung."""


@dataclass(frozen=True)
class Deployment:
    """A registry where alice vetted one wheel, a policy trusting her, and an evil twin."""

    tmp: Path
    """A folder for the test's inputs."""
    policy: Path
    """The policy file: alice is the root, one signer."""
    vetted: Dist
    """`alpha-1.0-py3-none-any.whl`, approved by alice."""
    evil: Dist
    """A file with the vetted one's name and other bytes: nobody vouched for it."""
    other: Dist
    """`beta-1.0-py3-none-any.whl`, also vetted (a second requirement)."""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The vetted scenario, shared by a module's attacks (none of them writes the registry)."""
    tmp = tmp_path_factory.mktemp("deploy")
    builder = RegistryBuilder(tmp)
    try:
        vetted = build_wheel(builder.dist, "alpha", "1.0")
        other = build_wheel(builder.dist, "beta", "1.0")
        (tmp / "evil").mkdir()
        evil = build_wheel(tmp / "evil", "alpha", "1.0", requires=["backdoor"])
        builder.approve("alice", vetted.path)
        builder.approve("alice", other.path)
        policy = builder.policy(roots=["alice"], signers=1)
        yield Deployment(tmp, policy, vetted, evil, other)
    finally:
        builder.close()


def _hung(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"signoff did not return within {TIMEOUT}s")


@contextlib.contextmanager
def time_limit(seconds: int = TIMEOUT) -> Iterator[None]:
    """Raise TimeoutError in this (main) thread when the block runs longer than `seconds`."""
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def signoff(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`signoff args...` in this process, under the time limit."""
    with time_limit():
        return run_cli(*map(str, args))


def check(deployment: Deployment, *inputs: Path) -> subprocess.CompletedProcess[str]:
    """`signoff check` of the inputs against the scenario's policy (JSON: file names whole)."""
    return signoff("check", *inputs, "--policy", deployment.policy, "--format", "json")


def lock(deployment: Deployment, given: Path, output: Path) -> subprocess.CompletedProcess[str]:
    """`signoff lock` of `given` into `output`."""
    return signoff("lock", given, "-o", output, "--policy", deployment.policy)


def failed_closed(out: subprocess.CompletedProcess[str], names: str | Path,
                  code: int | None = None, *needles: str) -> None:
    """The command exited non-zero (with `code` when given) and said `names` and every needle."""
    said = out.stdout + out.stderr
    assert out.returncode != 0, said
    if code is not None:
        assert out.returncode == code, said
    assert "Traceback" not in said, said
    assert str(names) in said, said
    for needle in needles:
        assert needle in said, said


def pip_hashes(requirements: Path) -> set[str]:
    """Every digest pip itself would accept from a requirements file, its includes and
    constraints: the oracle for "no unvetted hash in the lock"."""
    found: set[str] = set()
    for parsed in pip_parse_requirements(str(requirements), session=PipSession()):
        for digests in (parsed.options or {}).get("hashes", {}).values():
            found.update(digest.lower() for digest in digests)
    return found
