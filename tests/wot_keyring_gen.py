"""Seedable generator of real GnuPG keyrings with random webs of trust, for the oracle test.

A pool of ed25519 keys is made once (`KeyPool`), dated 200 days back with `--faked-system-time`.
Each generated keyring copies the pool's GNUPGHOME and, walking forward through time so that
every signature has its own timestamp, adds random certifications among 10 to 40 of the keys:
plain ones, persona (class 0x11) ones, expiring ones, trust signatures of depth 1 to 3 and
amount 60 or 120 (some restricted to a domain by a regexp), revocations of certifications and
renewed certifications; it also expires and revokes some keys, revokes some user IDs, and
picks random roots and introducers. `Keyring.files` are the `keys/<FPR>.asc` files a registry
would hold.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from signoff.attest.gpg import gpg_binary, kill_agent, new_home
from signoff.attest.gpg_colons import unescape_colon_field
from signoff.trust.policy.trust_settings import Ownertrust, TrustSettings
from tests.harness.gnupg import remove_home

DOMAINS = ("a.example", "b.example")
POOL_AGE = 200 * 86400
"""How far back the pool's keys are dated."""


def _gpg(home: Path, *args: str, when: int | None = None, stdin: bytes | None = None) -> bytes:
    cmd = [gpg_binary(), "--homedir", str(home), "--batch", "--yes", "--no-tty",
           "--pinentry-mode", "loopback", "--passphrase", ""]
    if when is not None:
        cmd += ["--faked-system-time", str(when)]
    proc = subprocess.run([*cmd, *args], input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


@dataclass
class KeyPool:
    """Keys made once, reused by every generated keyring."""

    home: Path
    """The GNUPGHOME holding the pool's secret keys and revocation certificates."""
    fprs: list[str]
    """Fingerprints in generation order."""
    uids: dict[str, list[str]]
    """User IDs per key, in the order they were added."""
    created: int
    """When the keys were (fakedly) made."""

    @classmethod
    def make(cls, size: int = 40, seed: int = 0) -> KeyPool:
        """Generate `size` keys; some get a second user ID in the other domain."""
        rng = random.Random(seed)
        home = new_home()
        created = int(time.time()) - POOL_AGE
        fprs: list[str] = []
        uids: dict[str, list[str]] = {}
        try:
            cls._generate(home, size, rng, created, fprs, uids)
        except BaseException:
            remove_home(home)
            raise
        kill_agent(home)
        return cls(home, fprs, uids, created)

    @staticmethod
    def _generate(home: Path, size: int, rng: random.Random, created: int, fprs: list[str],
                  uids: dict[str, list[str]]) -> None:
        for i in range(size):
            domain = DOMAINS[i % 2]
            uid = f"k{i:02d} <k{i:02d}@{domain}>"
            _gpg(home, "--quick-gen-key", uid, "ed25519", "sign", "never", when=created)
            listing = _gpg(home, "--with-colons", "--list-keys", "=" + uid).decode()
            fpr = next(ln.split(":")[9] for ln in listing.splitlines() if ln.startswith("fpr:"))
            fprs.append(fpr)
            uids[fpr] = [uid]
            if rng.random() < 0.3:
                other = DOMAINS[(i + 1) % 2]
                second = f"k{i:02d} alt <k{i:02d}@{other}>"
                _gpg(home, "--quick-add-uid", fpr, second, when=created + 60)
                uids[fpr].append(second)

    def close(self) -> None:
        """Remove the pool's home."""
        remove_home(self.home)


@dataclass
class Keyring:
    """One generated keyring: key files, the policy's trust settings, and what was done."""

    seed: int
    """The seed that reproduces it."""
    files: list[tuple[str, bytes]]
    """`(keys/<FPR>.asc, armored public key)` per key."""
    settings: TrustSettings
    """Roots, introducers and thresholds."""
    log: list[str] = field(default_factory=list)
    """Every action taken, for failure messages."""


class _Timeline:
    def __init__(self, start: int, rng: random.Random) -> None:
        self.t = start
        self.rng = rng

    def next(self) -> int:
        self.t += self.rng.randint(120, 1800)
        return self.t


def _tsign(home: Path, signer: str, target: str, amount: int, depth: int,
           domain: str | None, when: int, expire: str | None) -> None:
    """A trust signature through --edit-key tsign, answering gpg's prompts by keyword."""
    args = [gpg_binary(), "--homedir", str(home), "--batch", "--no-tty", "--pinentry-mode",
            "loopback", "--passphrase", "", "--faked-system-time", str(when),
            "--command-fd", "0", "--status-fd", "1", "-u", signer]
    if expire:
        args += ["--default-cert-expire", expire]
    args += ["--edit-key", target, "tsign", "save"]
    answers = {
        "keyedit.sign_all.okay": "y",
        "trustsig_prompt.trust_value": "2" if amount >= 120 else "1",
        "trustsig_prompt.trust_depth": str(depth),
        "trustsig_prompt.trust_regexp": domain or "",
        "sign_uid.okay": "y",
        "keyedit.prompt": "save",
    }
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode(errors="replace").split()
        if len(line) >= 3 and line[0] == "[GNUPG:]" and line[1] in ("GET_BOOL", "GET_LINE"):
            answer = answers.get(line[2])
            if answer is None:
                proc.kill()
                raise RuntimeError(f"tsign: unexpected prompt {line[2]}")
            proc.stdin.write(answer.encode() + b"\n")
            proc.stdin.flush()
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"tsign {signer} -> {target} failed")


def generate_keyring(pool: KeyPool, seed: int) -> Keyring:
    """A random keyring over a copy of the pool, reproducible from `seed`."""
    rng = random.Random(seed)
    home = new_home()
    shutil.rmtree(home)
    shutil.copytree(pool.home, home, ignore=shutil.ignore_patterns("S.*", "*.lock"))
    log: list[str] = []
    try:
        n = rng.randint(10, min(40, len(pool.fprs)))
        fprs = rng.sample(pool.fprs, n)
        clock = _Timeline(pool.created + 3600, rng)
        names = {f: pool.uids[f][0].split()[0] for f in fprs}
        roots = frozenset(rng.sample(fprs, rng.randint(1, 3)))
        introducers: dict[str, Ownertrust] = {}
        for fpr in fprs:
            if fpr not in roots and rng.random() < 0.4:
                introducers[fpr] = rng.choice([Ownertrust.FULL, Ownertrust.MARGINAL,
                                               Ownertrust.MARGINAL, Ownertrust.NEVER])
        # Most certifications come from keys the policy trusts, so that chains form.
        trusted = [f for f in fprs if f in roots
                   or introducers.get(f, Ownertrust.NEVER) != Ownertrust.NEVER]
        for _ in range(rng.randint(2 * n, 4 * n)):
            signer, target = rng.sample(fprs, 2)
            if rng.random() < 0.5:
                signer = rng.choice(trusted)
                target = rng.choice([f for f in fprs if f != signer])
            when = clock.next()
            roll = rng.random()
            expire = None
            if rng.random() < 0.1:
                expire = rng.choice(["1d", "3650d"])
            if roll < 0.25:
                depth = rng.randint(1, 3)
                amount = rng.choice([60, 120])
                domain = rng.choice(DOMAINS) if rng.random() < 0.35 else None
                _tsign(home, signer, target, amount, depth, domain, when, expire)
                log.append(f"{names[signer]} tsign {names[target]} depth {depth} amount "
                           f"{amount} regexp {domain} expire {expire}")
            else:
                level = "1" if roll > 0.93 else "0"
                extra = ["--default-cert-level", level]
                if expire:
                    extra += ["--default-cert-expire", expire]
                _gpg(home, *extra, "-u", signer, "--quick-sign-key", target, when=when)
                log.append(f"{names[signer]} sign {names[target]} level {level} "
                           f"expire {expire}")
            if rng.random() < 0.12:
                _gpg(home, "--quick-revoke-sig", target, signer, when=clock.next())
                log.append(f"{names[signer]} revokes its signature on {names[target]}")
                if rng.random() < 0.3:
                    _gpg(home, "-u", signer, "--quick-sign-key", target, when=clock.next())
                    log.append(f"{names[signer]} signs {names[target]} again")
        for fpr in fprs:
            roll = rng.random()
            if roll < 0.08:
                _gpg(home, "--quick-set-expire", fpr, "1d", when=clock.next())
                log.append(f"{names[fpr]} expired")
            elif roll < 0.12:
                _gpg(home, "--quick-set-expire", fpr, "3650d", when=clock.next())
                log.append(f"{names[fpr]} expires in ten years")
            elif roll < 0.16 and len(pool.uids[fpr]) > 1:
                _gpg(home, "--quick-revoke-uid", fpr, pool.uids[fpr][0], when=clock.next())
                log.append(f"{names[fpr]} revokes its user ID {pool.uids[fpr][0]}")
            elif roll < 0.2:
                rev = (home / "openpgp-revocs.d" / f"{fpr}.rev").read_text()
                cert = rev.replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----",
                                   "-----BEGIN PGP PUBLIC KEY BLOCK-----")
                _gpg(home, "--import", stdin=cert.encode())
                log.append(f"{names[fpr]} revoked")
        settings = TrustSettings(roots=roots, introducers=introducers,
                                 marginals_needed=rng.choice([2, 3, 3]),
                                 completes_needed=rng.choice([1, 1, 2]),
                                 max_depth=rng.randint(1, 5))
        log.append(f"roots {[names[r] for r in sorted(roots)]}, introducers "
                   f"{ {names[f]: o.value for f, o in introducers.items()} }, "
                   f"marginals {settings.marginals_needed} completes "
                   f"{settings.completes_needed} max-depth {settings.max_depth}")
        files = [(f"keys/{fpr}.asc", _gpg(home, "--armor", "--export", fpr)) for fpr in fprs]
        return Keyring(seed, files, settings, log)
    finally:
        remove_home(home)


_OWNERTRUST_NUMBER = {Ownertrust.NEVER: 3, Ownertrust.MARGINAL: 4, Ownertrust.FULL: 5,
                      Ownertrust.ULTIMATE: 6}


@dataclass(frozen=True)
class GnupgVerdict:
    """What gpg's trustdb says of each key."""

    keys: dict[str, str]
    """Fingerprint -> the validity letter of its `pub` record."""
    uids: dict[str, list[tuple[str, str]]]
    """Fingerprint -> (user ID, validity letter of its `uid` record), in listing order."""


def gnupg_validity(keyring: Keyring) -> GnupgVerdict:
    """GnuPG's own verdict on the keyring, from a fresh home holding only its public keys."""
    home = new_home()
    s = keyring.settings
    opts = ["--trust-model", "pgp", "--marginals-needed", str(s.marginals_needed),
            "--completes-needed", str(s.completes_needed), "--max-cert-depth", str(s.max_depth)]
    try:
        _gpg(home, "--import", stdin=b"\n".join(blob for _, blob in keyring.files))
        lines = [f"{fpr}:6:" for fpr in sorted(s.roots)]
        lines += [f"{fpr}:{_OWNERTRUST_NUMBER[o]}:" for fpr, o in sorted(s.introducers.items())]
        _gpg(home, "--import-ownertrust", stdin=("\n".join(lines) + "\n").encode())
        _gpg(home, *opts, "--check-trustdb")
        listing = _gpg(home, *opts, "--with-colons", "--fixed-list-mode", "--list-keys").decode()
        keys: dict[str, str] = {}
        uids: dict[str, list[tuple[str, str]]] = {}
        letter = ""
        current: list[tuple[str, str]] = []
        for line in listing.splitlines():
            f = line.split(":")
            if f[0] == "pub":
                letter = f[1]
                current = []
            elif f[0] == "fpr" and letter:
                keys[f[9]] = letter
                uids[f[9]] = current
                letter = ""
            elif f[0] == "uid":
                current.append((unescape_colon_field(f[9]), f[1]))
        return GnupgVerdict(keys, uids)
    finally:
        remove_home(home)
