"""Checking attestation signatures: only what the files at hand need, in parallel, cached.

The cryptographic verdict of a signature over fixed bytes, against a fixed keyring, never
changes. So every result, good or bad, is remembered by the blob ids of the statement and its
signature and by the id of the `keys/` trees it was checked against, and a warm run starts no
gpg at all. Whether the signing key (primary or subkey) may sign is judged afresh on every run,
from the key states read with the keyring (`attest.key_status`): expiry depends on now.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from signoff.attest.errors import InputError
from signoff.attest.gpg import SignatureCheck, check_signature_bytes, judge_key_status
from signoff.attest.key_status import KeyState
from signoff.attest.signature_backend import SignatureBackend, backend_name, open_backend
from signoff.attest.sqlite_cache import SqliteCache
from signoff.registry.repo import StoredAttestation

_WORKERS = 4
_COLUMNS = ("stmt", "sig", "keys", "good", "fpr", "ts", "problem", "status", "signing")


class SignatureVerifier:
    """Verifies stored attestations against a keyring built lazily from the registries' keys."""

    def __init__(self, keys: Callable[[], Mapping[str, bytes]],
                 states: Callable[[], Mapping[str, KeyState]], keys_id: str,
                 cache_file: Path | None, now: int, backend: str | None = None) -> None:
        self._keys = keys
        self._states = states
        self._keys_id = keys_id
        self._now = now
        self._backend_name = backend_name(backend)  # a mistyped choice fails even when warm
        self._backend: SignatureBackend | None = None
        self._lock = threading.Lock()
        self._memory: dict[tuple[str, str], SignatureCheck] = {}
        self._cache = SqliteCache(cache_file, "verdicts", _COLUMNS, key_columns=3)
        self.verified_count = 0

    def _ring(self) -> SignatureBackend:
        with self._lock:
            if self._backend is None:
                self._backend = open_backend(
                    {f"keys/{fpr}.asc": data for fpr, data in self._keys().items()},
                    self._backend_name)
            return self._backend

    def check_all(self, stored: Iterable[StoredAttestation],
                  progress: Callable[[], None] | None = None) -> dict[str, SignatureCheck]:
        """Signature result per statement path, the signing key's status judged at now;
        missing or malformed signatures included."""
        raw: dict[str, SignatureCheck] = {}
        todo: list[StoredAttestation] = []
        for item in stored:
            found = self._precheck(item)
            if found is None and item.signature_id is not None:
                found = self._cached(item.statement_id, item.signature_id)
            if found is not None:
                raw[item.path] = found
            else:
                todo.append(item)
        if todo:
            ring = self._ring()

            def verify(item: StoredAttestation) -> tuple[StoredAttestation, SignatureCheck]:
                assert item.signature is not None
                result = ring.verify_signature(item.statement, item.signature)
                if progress is not None:
                    progress()
                return item, result

            with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
                for item, result in pool.map(verify, todo):
                    raw[item.path] = result
                    assert item.signature_id is not None
                    self._remember(item.statement_id, item.signature_id, result)
            self._cache.flush()
            self.verified_count += len(todo)
        states = self._states() if any(r.good for r in raw.values()) else {}
        return {path: judge_key_status(check, states, self._now) for path, check in raw.items()}

    @staticmethod
    def _precheck(item: StoredAttestation) -> SignatureCheck | None:
        """The verdict of a signature that is not worth handing to a verifier."""
        if item.too_large:
            return SignatureCheck(False, None, None, "statement or signature is over its size cap")
        if item.signature is None or item.signature_id is None:
            return SignatureCheck(False, None, None, f"no signature file {item.path}.asc")
        try:
            check_signature_bytes(item.signature, item.path + ".asc")
        except InputError as e:
            return SignatureCheck(False, None, None, e.message)
        return None

    def _cached(self, statement_id: str, signature_id: str) -> SignatureCheck | None:
        key = (statement_id, signature_id)
        if key in self._memory:
            return self._memory[key]
        row = self._cache.get((statement_id, signature_id, self._keys_id))
        if row is None:
            return None
        good, fpr, ts, problem, status, signing = row
        result = SignatureCheck(bool(good), fpr, ts, problem, status, signing)
        self._memory[key] = result
        return result

    def _remember(self, statement_id: str, signature_id: str, result: SignatureCheck) -> None:
        self._memory[(statement_id, signature_id)] = result
        self._cache.put((statement_id, signature_id, self._keys_id, int(result.good),
                         result.primary_fpr, result.timestamp, result.problem,
                         result.key_status, result.signing_fpr))

    def close(self) -> None:
        """Delete the throwaway keyring and close the cache."""
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        self._cache.close()
