"""SQLite session store: the embedded default, safe across gunicorn worker processes.

WAL mode lets readers run beside one writer; every statement is a single atomic
transaction, and `take` uses DELETE … RETURNING so only one caller gets a value. A
connection is opened per process and thread, and never shared across a fork.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .store import Entry, SessionStore, StoreUnavailable, decode_value, encode_value

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_expires_at ON entries (expires_at);
"""
_PURGE_EVERY = 300.0


class SQLiteStore(SessionStore):
    def __init__(self, path: str | Path, busy_timeout: float = 5.0, clock=time.time):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.clock = clock
        self._local = threading.local()
        self._next_purge = 0.0

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def _execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._connection().execute(sql, parameters)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"SQLite session store {self.path}: {error}") from error

    def get(self, key: str) -> Entry | None:
        rows = self._execute(
            "SELECT value, expires_at FROM entries WHERE key = ? AND expires_at > ?", (key, self.clock())
        ).fetchall()
        return Entry(decode_value(rows[0][0]), rows[0][1]) if rows else None

    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        self._purge_now_and_then()
        self._execute(
            "INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            (key, encode_value(value), self.clock() + ttl),
        )

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        now = self.clock()
        cursor = self._execute(
            "INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at "
            "WHERE entries.expires_at <= ?",
            (key, encode_value(value), now + ttl, now),
        )
        return cursor.rowcount == 1

    def touch(self, key: str, ttl: float) -> bool:
        now = self.clock()
        cursor = self._execute(
            "UPDATE entries SET expires_at = ? WHERE key = ? AND expires_at > ?", (now + ttl, key, now)
        )
        return cursor.rowcount == 1

    def take(self, key: str) -> dict[str, Any] | None:
        # fetchall() steps the statement to its end, so its implicit transaction commits now.
        rows = self._execute(
            "DELETE FROM entries WHERE key = ? AND expires_at > ? RETURNING value", (key, self.clock())
        ).fetchall()
        return decode_value(rows[0][0]) if rows else None

    def delete(self, key: str) -> None:
        self._execute("DELETE FROM entries WHERE key = ?", (key,))

    def purge_expired(self) -> int:
        return self._execute("DELETE FROM entries WHERE expires_at <= ?", (self.clock(),)).rowcount

    def ping(self) -> None:
        self._execute("SELECT 1").fetchall()

    def _purge_now_and_then(self) -> None:
        """Expired rows are invisible already; deleting them every few minutes keeps the file small."""
        now = self.clock()
        if now >= self._next_purge:
            self._next_purge = now + _PURGE_EVERY
            self.purge_expired()
