"""In-process verification with pysequoia (the `signoff[fast]` extra): no gpg process per
signature. It answers the same question as `attest.gpg.Keyring.verify_signature`, and the
differential test holds the two to the same verdicts."""

from __future__ import annotations

from collections.abc import Mapping

import pysequoia

from signoff.attest.errors import GpgError
from signoff.attest.gpg import SignatureCheck
from signoff.attest.key_packets import read_key_files, signature_packets


class SequoiaVerifier:
    """The registry's public keys parsed once, verifying detached signatures in-process."""

    def __init__(self, certs: Mapping[str, pysequoia.Cert]) -> None:
        self._by_keyid: dict[str, pysequoia.Cert] = {}
        for fprs, cert in certs.items():
            for fpr in fprs.split():
                self._by_keyid[fpr[-16:].upper()] = cert

    @classmethod
    def from_keys(cls, keys: Mapping[str, bytes]) -> SequoiaVerifier:
        """Each key file proven to hold exactly one key (as for gpg), then parsed."""
        certs: dict[str, pysequoia.Cert] = {}
        for source, key in read_key_files(keys).items():
            try:
                cert = pysequoia.Cert.from_bytes(keys[source])
            except (RuntimeError, ValueError) as e:
                raise GpgError(f"{source}: sequoia cannot read this key: {e}") from e
            certs[" ".join((key.fingerprint, *key.subkeys))] = cert
        return cls(certs)

    def verify_signature(self, data: bytes, signature: bytes) -> SignatureCheck:
        """Cryptography only, as `Keyring.verify_signature`: good or not, by which key."""
        count = signature_packets(signature)
        if count is None or count == 0:
            return SignatureCheck(False, None, None, "not a readable OpenPGP signature")
        if count > 1:
            return SignatureCheck(False, None, None,
                                  "the signature file holds more than one signature")
        try:
            sig = pysequoia.Sig.from_bytes(signature)
        except (RuntimeError, ValueError):
            return SignatureCheck(False, None, None, "not a readable OpenPGP signature")
        issuer = (sig.issuer_fingerprint or sig.issuer_key_id or "?").upper()
        cert = self._by_keyid.get(issuer[-16:])
        if cert is None:
            return SignatureCheck(False, None, None,
                                  f"signed by key {issuer}, which is not in the registry's keys/")
        try:
            result = pysequoia.verify(bytes=data, store=lambda ids: [cert], signature=sig)
        except (RuntimeError, ValueError):
            return SignatureCheck(False, None, None,
                                  "BAD signature, or made by a key that may not sign")
        valid = result.valid_sigs
        if len(valid) != 1 or sig.created is None:
            return SignatureCheck(False, None, None, "no valid signature")
        timestamp = int(sig.created.timestamp())
        primary = str(valid[0].certificate).upper()
        if str(sig.signature_type) != "SignatureType.Binary":
            return SignatureCheck(False, primary, timestamp,
                                  f"signature class {sig.signature_type} is not binary (00)")
        return SignatureCheck(True, primary, timestamp, None, None,
                              str(valid[0].signing_key).upper())

    def close(self) -> None:
        """Nothing to release: no process, no home."""
