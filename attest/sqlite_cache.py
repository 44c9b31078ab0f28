"""One small helper for signoff's sqlite caches: open leniently, write in one transaction.

A cache only ever saves time. A damaged file (sqlite finds it malformed or not a database) is
deleted and started afresh; one that cannot be opened or written (read-only registry, full
disk, locked) is dropped for the run, and the caller computes what it would have held. Rows are
queued in memory and written in one transaction at the end of a run: one commit per row cost
seconds for a thousand rows.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class SqliteCache:
    """A sqlite file with one table, read row by row and written in batches."""

    def __init__(self, path: Path | None, table: str, columns: Sequence[str], key_columns: int
                 ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.key_columns = key_columns
        self._pending: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self._db = self._open(path)

    def _open(self, path: Path | None) -> sqlite3.Connection | None:
        if path is None:
            return None
        keys = ", ".join(self.columns[:self.key_columns])
        for attempt in range(2):
            db = None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
                db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} "
                           f"({', '.join(self.columns)}, PRIMARY KEY ({keys})) WITHOUT ROWID")
                return db
            except sqlite3.OperationalError:
                # Locked, read-only, full: run without the cache this time.
                break
            except sqlite3.DatabaseError:
                # Malformed or not a database (a crash, a bad disk): delete it and start
                # afresh, as the history cache does; it only ever saved time.
                if db is not None:
                    with contextlib.suppress(sqlite3.Error):
                        db.close()
                if attempt:
                    break
                for suffix in ("", "-wal", "-shm", "-journal"):
                    with contextlib.suppress(OSError):
                        Path(str(path) + suffix).unlink()
            except (OSError, sqlite3.Error):
                break
        return None

    def get(self, key: Sequence[Any]) -> tuple[Any, ...] | None:
        """The row's value columns for `key`, or None (also when the cache is unusable)."""
        if self._db is None:
            return None
        where = " AND ".join(f"{c} = ?" for c in self.columns[:self.key_columns])
        values = ", ".join(self.columns[self.key_columns:])
        try:
            with self._lock:
                row = self._db.execute(f"SELECT {values} FROM {self.table} WHERE {where}",
                                       tuple(key)).fetchone()
        except sqlite3.Error:
            return None
        return tuple(row) if row is not None else None

    def put(self, row: Sequence[Any]) -> None:
        """Queue a row; `flush` writes every queued row in one transaction."""
        with self._lock:
            self._pending.append(tuple(row))

    def flush(self) -> None:
        """Write the queued rows in one transaction; a failed write only loses the cache."""
        with self._lock:
            pending, self._pending = self._pending, []
            if self._db is None or not pending:
                return
            marks = ", ".join("?" for _ in self.columns)
            try:
                with self._db:
                    self._db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES ({marks})",
                                         pending)
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    def close(self) -> None:
        """Flush and close."""
        self.flush()
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None
