"""Checking attestation signatures: only what the files at hand need, in parallel, cached.

A signature's verdict over fixed bytes never changes, so good results are remembered by the blob
ids of the statement and its signature, in the registry's git directory. Bad results are not
remembered: a key added later can make an unverifiable signature good.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from signoff.attest.errors import InputError
from signoff.attest.gpg import Keyring, SignatureCheck, check_signature_bytes
from signoff.registry.repo import StoredAttestation

_WORKERS = 4


class SignatureVerifier:
    """Verifies stored attestations against a keyring built lazily from the registries' keys."""

    def __init__(self, keys: Callable[[], Mapping[str, bytes]], cache_file: Path | None) -> None:
        self._keys = keys
        self._keyring: Keyring | None = None
        self._lock = threading.Lock()
        self._memory: dict[tuple[str, str], SignatureCheck] = {}
        self._db = _open_cache(cache_file)
        self.verified_count = 0

    def _ring(self) -> Keyring:
        with self._lock:
            if self._keyring is None:
                self._keyring = Keyring.from_keys(
                    {f"keys/{fpr}.asc": data for fpr, data in self._keys().items()})
            return self._keyring

    def check_all(self, stored: Iterable[StoredAttestation],
                  progress: Callable[[], None] | None = None) -> dict[str, SignatureCheck]:
        """Signature result per statement path; missing or malformed signatures included."""
        results: dict[str, SignatureCheck] = {}
        todo: list[StoredAttestation] = []
        for item in stored:
            if item.too_large:
                results[item.path] = SignatureCheck(False, None, None,
                                                    "statement or signature is over its size cap")
                continue
            if item.signature is None or item.signature_id is None:
                results[item.path] = SignatureCheck(False, None, None,
                                                    f"no signature file {item.path}.asc")
                continue
            try:
                check_signature_bytes(item.signature, item.path + ".asc")
            except InputError as e:
                results[item.path] = SignatureCheck(False, None, None, e.message)
                continue
            cached = self._cached(item.statement_id, item.signature_id)
            if cached is not None:
                results[item.path] = cached
            else:
                todo.append(item)
        if todo:
            ring = self._ring()

            def verify(item: StoredAttestation) -> tuple[StoredAttestation, SignatureCheck]:
                assert item.signature is not None
                result = ring.verify_detached(item.statement, item.signature)
                if progress is not None:
                    progress()
                return item, result

            with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
                for item, result in pool.map(verify, todo):
                    results[item.path] = result
                    assert item.signature_id is not None
                    self._remember(item.statement_id, item.signature_id, result)
            self.verified_count += len(todo)
        return results

    def _cached(self, statement_id: str, signature_id: str) -> SignatureCheck | None:
        key = (statement_id, signature_id)
        if key in self._memory:
            return self._memory[key]
        if self._db is None:
            return None
        row = self._db.execute("SELECT fpr, ts FROM good WHERE stmt = ? AND sig = ?",
                               key).fetchone()
        if row is None:
            return None
        result = SignatureCheck(True, row[0], row[1])
        self._memory[key] = result
        return result

    def _remember(self, statement_id: str, signature_id: str, result: SignatureCheck) -> None:
        key = (statement_id, signature_id)
        self._memory[key] = result
        # Only a plain good signature is stored: key status comes from the keys, every time.
        if self._db is not None and result.good and result.key_status is None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("INSERT OR REPLACE INTO good VALUES (?, ?, ?, ?)",
                                 (statement_id, signature_id, result.primary_fpr,
                                  result.timestamp))
                self._db.commit()

    def close(self) -> None:
        """Delete the throwaway keyring and close the cache."""
        if self._keyring is not None:
            self._keyring.close()
            self._keyring = None
        if self._db is not None:
            self._db.close()
            self._db = None


def _open_cache(path: Path | None) -> sqlite3.Connection | None:
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False)
        db.execute("CREATE TABLE IF NOT EXISTS good (stmt TEXT, sig TEXT, fpr TEXT, ts INTEGER,"
                   " PRIMARY KEY (stmt, sig))")
        return db
    except (OSError, sqlite3.Error):
        return None  # a read-only registry still checks; it only loses the cache
