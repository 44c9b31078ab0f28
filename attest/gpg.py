"""GnuPG through python-gnupg: signing with the user's key, verifying in a throwaway keyring.

Verification never sees the user's keyring: `Keyring` imports the registry's `keys/` into a
fresh GNUPGHOME, so the only keys that can make a signature good are the ones the registry
publishes. Whether such a key is trusted, revoked or expired is decided elsewhere, from the
keys themselves; here a signature is only cryptographically good or not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

import gnupg

from signoff.attest.errors import GpgError, InputError
from signoff.attest.gpg_colons import parse_colon_listing
from signoff.attest.key_names import KeyCandidate, resolve_key
from signoff.attest.key_packets import read_key_files
from signoff.attest.key_status import KeyState, signing_key_problem, states_from_listing
from signoff.attest.limits import LIMITS
from signoff.attest.names import normalize_fingerprint

_ARMOR_HEADER = b"-----BEGIN PGP SIGNATURE-----"
_ARMOR_FOOTER = b"-----END PGP SIGNATURE-----"
_BINARY_SIGNATURE_CLASS = "00"


def gpg_binary() -> str:
    """Path of the gpg program, or GpgError naming what to install."""
    found = shutil.which("gpg")
    if found is None:
        raise GpgError("gpg was not found on PATH", hint="install GnuPG 2.2 or newer")
    return found


# What gpg says when the agent needs a passphrase and its pinentry has no terminal to ask on.
_NO_PINENTRY = ("Inappropriate ioctl for device", "No pinentry", "pinentry")
PASSPHRASE_HINT = ("gpg needs your key's passphrase but its pinentry cannot ask for it here: "
                   "run `export GPG_TTY=$(tty)` in this shell, or set a graphical "
                   "pinentry-program in gpg-agent.conf, or unlock the key in gpg-agent first")


def signing_failure_hint(gpg_stderr: str) -> str | None:
    """The GPG_TTY / pinentry hint when gpg failed for want of a way to ask for a passphrase."""
    return PASSPHRASE_HINT if any(s in gpg_stderr for s in _NO_PINENTRY) else None


def _make_gpg(home: str | None) -> gnupg.GPG:
    try:
        return gnupg.GPG(gpgbinary=gpg_binary(), gnupghome=home,
                         options=["--no-auto-key-retrieve", "--no-auto-key-locate"])
    except (OSError, ValueError, RuntimeError) as e:
        raise GpgError(f"cannot run gpg: {e}") from e


@dataclass(frozen=True)
class SignatureCheck:
    """The result of checking one detached signature over exact bytes."""

    good: bool
    """Exactly one binary signature, cryptographically good, by a key in the keyring."""
    primary_fpr: str | None
    """Primary-key fingerprint of the signing key, when gpg knew the key."""
    timestamp: int | None
    """Signature creation time, seconds since the epoch."""
    problem: str | None = None
    """Why it is not good, in words."""
    key_status: str | None = None
    """`expired`, `revoked` or `unknown` when the signing key may not sign (then not good)."""
    signing_fpr: str | None = None
    """Fingerprint of the key that made the signature: the primary key or one of its subkeys."""


def _status_lines(stderr: str) -> list[list[str]]:
    return [line.split()[1:] for line in stderr.splitlines() if line.startswith("[GNUPG:] ")]


def interpret_verify_status(stderr: str) -> SignatureCheck:
    """Read gpg's machine status lines into a SignatureCheck; fail closed on anything odd."""
    lines = _status_lines(stderr)
    kinds = [fields[0] for fields in lines if fields]
    if kinds.count("NEWSIG") > 1:
        return SignatureCheck(False, None, None, "the signature file holds more than one signature")
    if "NO_PUBKEY" in kinds or "ERRSIG" in kinds:
        keyid = next((f[1] for f in lines if f[0] in ("NO_PUBKEY", "ERRSIG") and len(f) > 1), "?")
        return SignatureCheck(False, None, None,
                              f"signed by key {keyid}, which is not in the registry's keys/")
    if "BADSIG" in kinds:
        return SignatureCheck(False, None, None,
                              "BAD signature: the file was changed after signing")
    if "EXPSIG" in kinds:
        return SignatureCheck(False, None, None, "the signature itself has expired")
    valid = next((f for f in lines if f[0] == "VALIDSIG"), None)
    if valid is None or len(valid) < 11:
        return SignatureCheck(False, None, None, "gpg did not report a valid signature")
    # VALIDSIG fpr date timestamp expire version reserved pkalgo hashalgo class primary-fpr
    sig_class, primary, signing = valid[9], valid[10], valid[1]
    try:
        timestamp = int(valid[3]) if valid[3].isdigit() else None
        primary = normalize_fingerprint(primary)
        signing = normalize_fingerprint(signing)
    except ValueError:
        return SignatureCheck(False, None, None, "gpg reported an unreadable signer")
    if sig_class.lower() != _BINARY_SIGNATURE_CLASS:
        # Text-mode signatures normalise line endings, so other bytes would also verify.
        return SignatureCheck(False, primary, timestamp,
                              f"signature class {sig_class} is not a binary signature (00)")
    key_status = ("expired" if "EXPKEYSIG" in kinds else
                  "revoked" if "REVKEYSIG" in kinds else None)
    return SignatureCheck(True, primary, timestamp, None, key_status, signing)


def judge_key_status(check: SignatureCheck, states: Mapping[str, KeyState],
                     now: int) -> SignatureCheck:
    """A good signature stays good only when its signing key and primary may sign (at the
    signature's time and at `now`) and gpg reported no REVKEYSIG or EXPKEYSIG."""
    if not check.good:
        return check
    if check.key_status is not None:
        return replace(check, good=False,
                       problem=f"gpg reports the signing key of {check.primary_fpr} as "
                               f"{check.key_status}")
    problem = signing_key_problem(check.signing_fpr, check.primary_fpr, check.timestamp,
                                  states, now)
    if problem is None:
        return check
    return replace(check, good=False, key_status=problem.status, problem=problem.detail)


def check_signature_bytes(signature: bytes, source: str) -> None:
    """Refuse a signature file that is oversized or not an armored signature."""
    if len(signature) > LIMITS.signature_bytes:
        raise InputError(f"signature is {len(signature)} bytes, over the "
                         f"{LIMITS.signature_bytes}-byte cap", file=source)
    if not signature.lstrip().startswith(_ARMOR_HEADER):
        raise InputError("not an armored OpenPGP signature (expected "
                         f"{_ARMOR_HEADER.decode()})", file=source)
    end = signature.find(_ARMOR_FOOTER)
    if end < 0 or signature[end + len(_ARMOR_FOOTER):].strip() or signature.count(
            b"-----BEGIN PGP") != 1:
        raise InputError("must hold exactly one armored signature and nothing after its "
                         f"{_ARMOR_FOOTER.decode()} line", file=source)


class Keyring:
    """A throwaway GNUPGHOME holding only the given public keys, for verification."""

    def __init__(self) -> None:
        # Short path: gpg-agent sockets live inside the home and have a ~100-byte limit.
        self.home = Path(tempfile.mkdtemp(prefix="so-kr-", dir=_short_tmp()))
        os.chmod(self.home, 0o700)
        try:
            self._gpg = _make_gpg(str(self.home))
        except BaseException:  # gpg missing: the empty home must not outlive the error
            shutil.rmtree(self.home, ignore_errors=True)
            raise
        self._counter = 0
        self._lock = threading.Lock()
        self._states: dict[str, KeyState] | None = None

    @classmethod
    def from_keys(cls, keys: Mapping[str, bytes]) -> Keyring:
        """A keyring holding the armored public keys given, by source name, in one import."""
        ring = cls()
        try:
            ring.import_keys(keys)
        except BaseException:
            ring.close()
            raise
        return ring

    def import_key(self, armored: bytes, source: str) -> None:
        """Import one key file: exactly one public key (named by its file name, if any)."""
        self.import_keys({source: armored})

    def import_keys(self, keys: Mapping[str, bytes]) -> None:
        """Import key files in one gpg call, each proven first to hold exactly one public key
        (the one its `<FPR>.asc` name gives), so that gpg never sees a smuggled key."""
        expected = {key.fingerprint: source for source, key in read_key_files(keys).items()}
        if not keys:
            return
        result = self._gpg.import_keys(b"\n".join(keys.values()))
        imported = {normalize_fingerprint(f) for f in result.fingerprints or []
                    if isinstance(f, str) and len(f) == 40}
        for fpr, source in expected.items():
            if fpr not in imported:
                raise InputError("gpg did not accept this key (no valid self-signature?)",
                                 file=source)
        self._states = None

    def key_states(self) -> dict[str, KeyState]:
        """Every primary key and subkey in the keyring with its status, from one gpg listing."""
        with self._lock:
            if self._states is None:
                listing = _run_gpg(self.home, "--with-colons", "--fixed-list-mode",
                                   "--trust-model", "always", "--list-keys")
                self._states = states_from_listing(parse_colon_listing(listing))
            return self._states

    def verify_signature(self, data: bytes, signature: bytes) -> SignatureCheck:
        """Check a detached armored signature over exactly `data`: cryptography only, before
        the signing key's status is judged (see `judge_key_status`)."""
        try:  # the one signature gate: check and validate accept the same files
            check_signature_bytes(signature, "signature")
        except InputError as e:
            return SignatureCheck(False, None, None, e.message)
        with self._lock:
            self._counter += 1
            sig_path = self.home / f"sig-{self._counter}.asc"
        sig_path.write_bytes(signature)
        try:
            result = self._gpg.verify_data(str(sig_path), data)
        finally:
            sig_path.unlink(missing_ok=True)
        return interpret_verify_status(result.stderr or "")

    def verify_detached(self, data: bytes, signature: bytes,
                        now: int | None = None) -> SignatureCheck:
        """Check a detached armored signature over exactly `data`, by a key that may sign."""
        check = self.verify_signature(data, signature)
        if not check.good:
            return check
        return judge_key_status(check, self.key_states(),
                                int(time.time()) if now is None else now)

    def close(self) -> None:
        """Stop any agent and delete the home."""
        _kill_agent(self.home)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Keyring:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _short_tmp() -> str:
    base = os.environ.get("TMPDIR", "/tmp")
    return base if len(base) < 40 else "/tmp"


def _kill_agent(home: Path) -> None:
    gpgconf = shutil.which("gpgconf")
    if gpgconf and any(home.glob("S.*")):
        subprocess.run([gpgconf, "--homedir", str(home), "--kill", "all"],
                       capture_output=True, check=False)


class UserGnuPG:
    """The user's own GnuPG (their GNUPGHOME, agent and smartcards), for signing and export."""

    def __init__(self, gnupghome: Path | None = None) -> None:
        home = gnupghome or (Path(os.environ["GNUPGHOME"]) if "GNUPGHOME" in os.environ else None)
        self.home = home
        self._gpg = _make_gpg(str(home) if home else None)

    def secret_keys(self) -> list[KeyCandidate]:
        """Every key with a secret part in the user's GnuPG."""
        return self._candidates(secret=True)

    def public_keys(self) -> list[KeyCandidate]:
        """Every public key in the user's GnuPG."""
        return self._candidates(secret=False)

    def _candidates(self, secret: bool) -> list[KeyCandidate]:
        found = []
        for k in self._gpg.list_keys(secret=secret):
            try:
                fpr = normalize_fingerprint(k.get("fingerprint") or "")
            except ValueError:
                continue
            subkeys = tuple(str(sub[2]).upper() for sub in k.get("subkeys") or ()
                            if len(sub) > 2 and sub[2])
            found.append(KeyCandidate(fpr, tuple(k.get("uids") or ()), subkeys))
        return found

    def _where(self) -> str:
        return str(self.home) if self.home else "your GnuPG"

    def public_key(self, name: str) -> KeyCandidate:
        """The public key `name` (fingerprint, key ID, email or user ID) names."""
        return resolve_key(name, self.public_keys(), f"the public keys of {self._where()}")

    def signing_key(self, key: str | None) -> str:
        """Primary fingerprint of the secret key `key` names (fingerprint, key ID, email or
        user ID), or of gpg's default secret key."""
        if key is None:
            default = self._configured_default_key()
            if default:
                return self.signing_key(default)
        secret = self.secret_keys()
        if key is not None:
            fpr = resolve_key(key, secret, f"the secret keys of {self._where()}").fingerprint
        elif secret:
            fpr = secret[0].fingerprint  # gpg's own default: the first secret key
        else:
            raise GpgError(f"no secret key at all in {self._where()}",
                           hint="create one with `gpg --quick-gen-key`, or pass --key/--gnupghome")
        # gpg would quietly sign with another key when this one is expired or revoked.
        public = self._gpg.list_keys(keys=[fpr])
        status = public[0].get("trust") if public else None
        if status in ("e", "r"):
            raise GpgError(f"key {fpr} is {'expired' if status == 'e' else 'revoked'}; "
                           "it cannot sign", hint="pass --key with a usable key")
        return fpr

    def _configured_default_key(self) -> str | None:
        home = self.home or Path(os.environ.get("GNUPGHOME", Path.home() / ".gnupg"))
        conf = home / "gpg.conf"
        if not conf.is_file():
            return None
        for line in conf.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "default-key":
                return parts[1]
        return None

    def sign_detached(self, data: bytes, fpr: str) -> bytes:
        """A detached, armored, binary-mode signature over `data` by `fpr`."""
        result = self._gpg.sign(data, keyid=fpr, detach=True, binary=False, clearsign=False,
                                extra_args=["--digest-algo", "SHA256"])
        signature = bytes(result.data or b"")
        if not signature:
            said = [line for line in (result.stderr or "").splitlines()
                    if line.startswith("gpg:")]
            detail = (result.status or (said[-1] if said else "") or "unknown error").strip()
            raise GpgError(f"gpg could not sign with {fpr}: {detail}",
                           hint=signing_failure_hint(result.stderr or "")
                           or "is the key's passphrase available to gpg-agent?")
        return signature

    def export_public_key(self, fpr: str) -> bytes:
        """The armored public key with its user IDs and certifications."""
        exported = self._gpg.export_keys([fpr], armor=True)
        data = exported.encode() if isinstance(exported, str) else bytes(exported or b"")
        if b"BEGIN PGP PUBLIC KEY BLOCK" not in data:
            raise GpgError(f"no public key {fpr} in "
                           f"{self.home or 'the default GnuPG home'}")
        return data


@contextmanager
def temporary_keyring(keys: Mapping[str, bytes]) -> Iterator[Keyring]:
    """`Keyring.from_keys` as a context manager that always cleans up."""
    ring = Keyring.from_keys(keys)
    try:
        yield ring
    finally:
        ring.close()


def new_home(parent: Path | None = None) -> Path:
    """A fresh, private GNUPGHOME (short path, for gpg-agent's socket name limit)."""
    home = Path(tempfile.mkdtemp(prefix="so-", dir=str(parent) if parent else _short_tmp()))
    os.chmod(home, 0o700)
    return home


def _run_gpg(home: Path, *args: str) -> str:
    proc = subprocess.run([gpg_binary(), "--homedir", str(home), "--batch", "--yes",
                           "--pinentry-mode", "loopback", "--passphrase", "", *args],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise GpgError(f"gpg {args[0]} failed: {proc.stderr.strip()}")
    return proc.stdout


def generate_key(home: Path, user_id: str) -> str:
    """Make a passphrase-less ed25519 signing key (demo and tests); its fingerprint."""
    _run_gpg(home, "--quick-gen-key", user_id, "ed25519", "sign", "never")
    listing = _run_gpg(home, "--with-colons", "--list-secret-keys", "=" + user_id)
    fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    if not fprs:
        raise GpgError(f"gpg made no key for {user_id!r}")
    return normalize_fingerprint(fprs[0])


def certify_key(home: Path, signer: str, target: str) -> None:
    """Have `signer` certify every user ID of `target` with an exportable signature."""
    _run_gpg(home, "--default-key", signer, "--quick-sign-key", target)


def kill_agent(home: Path) -> None:
    """Stop a GNUPGHOME's agent so that the folder can be removed."""
    _kill_agent(home)
