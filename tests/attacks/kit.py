"""What every attack test needs: run a command as a deployment or CI would (the installed
entry point, with a timeout), assert it failed closed, and forge OpenPGP armor."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.builder import RegistryBuilder
from tests.harness.cli import run_installed

TIMEOUT = 120
"""Seconds before a command counts as hung."""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `signoff`, in a subprocess with a timeout; never a traceback."""
    out = run_installed(*args, timeout=TIMEOUT)
    assert "Traceback" not in out.stderr + out.stdout, out.stderr
    return out


def validate(builder: RegistryBuilder, base: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`signoff registry validate` of the registry's HEAD against `base`."""
    head = str(builder.registry.head_commit().id)
    return run("registry", "validate", "--registry", str(builder.registry.path), "--base", base,
               "--head", head, *extra)


def refused(out: subprocess.CompletedProcess[str], path: str, *needles: str) -> None:
    """validate refused the pull request with a finding on `path` that says every needle."""
    assert out.returncode == 1, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if path in line]
    assert any(all(n in line for n in needles) for line in lines), out.stdout


def check(builder: RegistryBuilder, *inputs: Path) -> subprocess.CompletedProcess[str]:
    """`signoff check` of the inputs against the builder's policy, as a deployment runs it."""
    return run("check", *map(str, inputs), "--policy", str(builder.tmp / "signoff-policy.yaml"))


def gpg(home: Path, *args: str, data: bytes | None = None) -> bytes:
    """gpg in `home`, no passphrase; its stdout. It must succeed."""
    proc = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--pinentry-mode",
                           "loopback", "--passphrase", "", *args], input=data,
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def armor(binary: bytes, kind: str = "PUBLIC KEY BLOCK") -> bytes:
    """ASCII armor with its CRC-24, as gpg writes it."""
    crc = 0xB704CE
    for byte in binary:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    text = base64.b64encode(binary).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    checksum = base64.b64encode((crc & 0xFFFFFF).to_bytes(3, "big")).decode()
    return (f"-----BEGIN PGP {kind}-----\n\n" + "\n".join(lines) + f"\n={checksum}\n"
            f"-----END PGP {kind}-----\n").encode()


def statements(builder: RegistryBuilder, *inputs: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    """`signoff check --format json`: its exit code and each judged statement's record, by
    the signer's fingerprint."""
    out = run("check", *map(str, inputs), "--policy", str(builder.tmp / "signoff-policy.yaml"),
              "--format", "json")
    assert out.returncode in (0, 1), out.stdout + out.stderr
    found = {a["signer"]: a for f in json.loads(out.stdout)["files"] for a in f["attestations"]}
    return out.returncode, found
