"""Web of trust: time to compute every key's validity for 5,000 keys and 50,000 certifications.

- engine: compute_trust on synthetic Key objects (measured);
- warm: JSON key cache load + compute (measured, same synthetic keyring);
- cold: gpg import + `--check-sigs` colon parse + compute, measured on a real keyring of 200
  ed25519 keys with 10 certifications each (2,000), then extrapolated linearly to 5,000 keys
  and 50,000 certifications (labelled as such: making 5,000 real keys takes too long here).

Run: .venv/bin/python benchmarks/bench_wot.py
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signoff.trust.policy.trust_settings import Ownertrust, TrustSettings
from signoff.trust.wot.engine import compute_trust
from signoff.trust.wot.keys import Certification, Key, KeySet, UserId, keyset_to_json, load_keyset

KEYS = 5000
CERTS = 50_000
NOW = int(time.time())


def fpr(i: int) -> str:
    """A made-up fingerprint."""
    return hashlib.sha1(f"key{i}".encode()).hexdigest().upper()


def synthetic(seed: int = 1) -> tuple[KeySet, TrustSettings]:
    """5,000 keys, 50,000 certifications; 5 roots, 400 introducers, some trust signatures."""
    rng = random.Random(seed)
    certs: list[list[Certification]] = [[] for _ in range(KEYS)]
    for n in range(CERTS):
        signer = rng.randrange(KEYS) if rng.random() < 0.7 else rng.randrange(400)
        target = rng.randrange(KEYS)
        if signer == target:
            target = (target + 1) % KEYS
        tsig = rng.random() < 0.02
        certs[target].append(Certification(
            fpr(signer), 0x10, NOW - 10_000_000 + n, None, False, True,
            rng.randint(1, 2) if tsig else 0, rng.choice([60, 120]) if tsig else 0, None))
    keys = {fpr(i): Key(fpr(i), (UserId(f"k{i} <k{i}@example.org>", False, None,
                                        tuple(certs[i])),),
                        NOW - 20_000_000, None, rng.random() < 0.01)
            for i in range(KEYS)}
    intro = {fpr(i): rng.choice([Ownertrust.FULL, Ownertrust.MARGINAL, Ownertrust.MARGINAL])
             for i in range(5, 400)}
    return KeySet(keys), TrustSettings(roots=frozenset(fpr(i) for i in range(5)),
                                       introducers=intro)


def best_of(runs: int, fn: object) -> float:
    """Best wall time of `runs` calls, seconds."""
    assert callable(fn)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def gpg(home: Path, *args: str) -> None:
    """Run gpg in a throwaway home with no passphrase."""
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes", "--pinentry-mode",
                    "loopback", "--passphrase", "", *args], check=True, capture_output=True)


def real_keyring(n: int, per_key: int) -> list[tuple[str, bytes]]:
    """`n` real ed25519 keys, each certified by `per_key` others (one gpg call per target)."""
    home = Path(tempfile.mkdtemp(prefix="so-b-", dir="/tmp"))
    home.chmod(0o700)
    rng = random.Random(3)
    try:
        fprs = []
        for i in range(n):
            gpg(home, "--quick-gen-key", f"b{i} <b{i}@example.org>", "ed25519", "sign", "never")
        listing = subprocess.run(["gpg", "--homedir", str(home), "--with-colons",
                                  "--list-keys"], capture_output=True, text=True).stdout
        fprs = [ln.split(":")[9] for ln in listing.splitlines() if ln.startswith("fpr:")]
        for target in fprs:
            signers = rng.sample([f for f in fprs if f != target], per_key)
            gpg(home, *[a for s in signers for a in ("-u", s)], "--quick-sign-key", target)
        out = []
        for f in fprs:
            blob = subprocess.run(["gpg", "--homedir", str(home), "--armor", "--export", f],
                                  capture_output=True, check=True).stdout
            out.append((f"keys/{f}.asc", blob))
        return out
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"],
                       capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    """Print the figures."""
    keyset, settings = synthetic()
    result = compute_trust(keyset, settings, NOW)
    counts: dict[str, int] = {}
    for kt in result.keys.values():
        counts[kt.validity.value] = counts.get(kt.validity.value, 0) + 1
    print(f"synthetic keyring: {KEYS} keys, {CERTS} certifications; validity counts {counts}")
    engine = best_of(3, lambda: compute_trust(keyset, settings, NOW))
    print(f"engine only (compute_trust):                {engine * 1000:8.0f} ms  (measured)")

    cache_dir = Path(tempfile.mkdtemp(prefix="so-bc-"))
    try:
        (cache_dir / "keys-bench.json").write_text(json.dumps(keyset_to_json(keyset)))
        size = (cache_dir / "keys-bench.json").stat().st_size
        warm = best_of(3, lambda: compute_trust(load_keyset([], cache_dir, "bench"),
                                                settings, NOW))
        print(f"warm key cache (JSON load + compute):       {warm * 1000:8.0f} ms  (measured; "
              f"cache {size / 1e6:.1f} MB)")
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    n, per_key = 200, 10
    t = time.perf_counter()
    files = real_keyring(n, per_key)
    made = time.perf_counter() - t
    roots = frozenset(f[5:45] for f, _ in files[:3])
    real_settings = TrustSettings(roots=roots, introducers={
        f[5:45]: Ownertrust.MARGINAL for f, _ in files[3:60]})
    t = time.perf_counter()
    real = load_keyset(files)
    read = time.perf_counter() - t
    t = time.perf_counter()
    compute_trust(real, real_settings, NOW)
    computed = time.perf_counter() - t
    cold = read + computed
    certs = sum(len(u.certifications) for k in real for u in k.uids)
    print(f"real keyring: {n} keys, {certs} certifications (made in {made:.0f} s)")
    print(f"cold, {n} real keys (gpg import + check-sigs + parse + compute): "
          f"{cold * 1000:8.0f} ms  (measured; read {read * 1000:.0f} ms, "
          f"compute {computed * 1000:.0f} ms)")
    per_cert = read / max(certs, 1)
    per_key_cost = read / n
    print(f"  per key {per_key_cost * 1000:.2f} ms, per certification "
          f"{per_cert * 1000:.3f} ms (gpg read)")
    estimate = per_cert * CERTS + engine
    print(f"cold, {KEYS} keys / {CERTS} certifications: ~{estimate:.1f} s  (EXTRAPOLATED: "
          f"per-certification gpg read cost x {CERTS} + measured engine time)")


if __name__ == "__main__":
    main()
