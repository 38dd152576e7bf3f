"""SQLite session store: the embedded default, safe across gunicorn worker processes.

WAL mode lets readers run beside one writer; every statement is a single atomic
transaction, and `take` uses DELETE … RETURNING so only one caller gets a value. A
connection is opened per process and OS thread, and never shared across a fork.

Reads are answered from what this process read before while the key's change marker
(shared memory, see change_markers) says no write happened since: most requests then make
no SQLite call. Every write goes through this class, which changes the marker after the
write is committed; a row changed behind its back (the sqlite3 shell) may be seen late.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .change_markers import ChangeMarkers
from .store import Entry, SessionStore, StoreUnavailable, decode_value, encode_value

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_expires_at ON entries (expires_at);
CREATE TABLE IF NOT EXISTS set_members (
    key TEXT NOT NULL,
    member TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (key, member)
);
CREATE INDEX IF NOT EXISTS set_members_expires_at ON set_members (expires_at);
"""
_PURGE_EVERY = 300.0
#: Rows one process remembers (session entries are a few hundred bytes, auth records a few kB:
#: 10 MB at worst); past that it starts again, which is cheaper than ordering them by use.
_REMEMBERED_READS = 2048


class SQLiteStore(SessionStore):
    def __init__(self, path: str | Path, busy_timeout: float = 5.0, clock=time.time):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.clock = clock
        #: One connection per OS thread of this process (see _connection).
        self._connections: dict[int, sqlite3.Connection] = {}
        self._pid = os.getpid()
        self._preparing = threading.Lock()
        self._prepared = False
        self._next_purge = 0.0
        self._markers = ChangeMarkers(self.path.with_name(self.path.name + "-changes"))
        #: key -> (its marker when read, stored value, expires_at)
        self._read: dict[str, tuple[bytes, str, float]] = {}

    def _connection(self) -> sqlite3.Connection:
        """This OS thread's connection, opened on first use. Keyed by the native thread id, not a
        threading.local: under gevent every request is a greenlet of its own, and a greenlet-local
        connection would be opened (and the schema checked) on every request. Greenlets of one thread
        may share it: a statement runs in C, with no switch in the middle."""
        if self._pid != os.getpid():  # a forked worker: none of the parent's connections is ours
            self._connections, self._pid, self._preparing = {}, os.getpid(), threading.Lock()
        connection = self._connections.get(threading.get_native_id())
        if connection is None:
            connection = self._connections[threading.get_native_id()] = self._open()
        return connection

    def _open(self) -> sqlite3.Connection:
        # The store holds live access tokens: its folder and files are the owner's alone. SQLite
        # gives its -wal and -shm files the database file's permissions.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self._markers.open()  # before any write, so that a committed write can always change its marker
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        with self._preparing:
            if not self._prepared:
                self._prepare(connection)
                self._prepared = True
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """WAL mode and the schema, once per process. Both last in the file; switching to WAL takes its
        lock without waiting (SQLite's busy timeout does not apply), so another process doing the same
        at the same moment (gunicorn workers' first requests) is waited for here."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _marker_of(self, key: str) -> bytes:
        try:
            return self._markers.of(key)
        except OSError as error:
            raise self._unavailable(error) from error

    def _changed(self, key: str | None = None) -> None:
        """After a committed write of `key` (None: of many keys): every process's next read of it goes to the database."""
        if key is None:
            self._markers.all_changed()
        else:
            self._markers.changed(key)

    def _execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        try:
            return self._connection().execute(sql, parameters)
        except (sqlite3.Error, OSError) as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"SQLite session store {self.path}: {error}")

    def get(self, key: str) -> Entry | None:
        marker = self._marker_of(key)
        now = self.clock()
        remembered = self._read.get(key)
        if remembered is not None and remembered[0] == marker:
            _, stored, expires_at = remembered
            return Entry(decode_value(stored), expires_at) if expires_at > now else None
        rows = self._execute(
            "SELECT value, expires_at FROM entries WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchall()
        if not rows:
            return None
        stored, expires_at = rows[0]
        if len(self._read) >= _REMEMBERED_READS:
            self._read.clear()
        self._read[key] = (marker, stored, expires_at)  # decoded afresh on each read: callers may change it
        return Entry(decode_value(stored), expires_at)

    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        self._purge_now_and_then()
        self._execute(
            "INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            (key, encode_value(value), self.clock() + ttl),
        )
        self._changed(key)

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        now = self.clock()
        cursor = self._execute(
            "INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at "
            "WHERE entries.expires_at <= ?",
            (key, encode_value(value), now + ttl, now),
        )
        added = cursor.rowcount == 1
        if added:
            self._changed(key)
        return added

    def replace(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        now = self.clock()
        cursor = self._execute(
            "UPDATE entries SET value = ?, expires_at = ? WHERE key = ? AND expires_at > ?",
            (encode_value(value), now + ttl, key, now),
        )
        replaced = cursor.rowcount == 1
        if replaced:
            self._changed(key)
        return replaced

    def touch(self, key: str, ttl: float) -> bool:
        now = self.clock()
        cursor = self._execute(
            "UPDATE entries SET expires_at = ? WHERE key = ? AND expires_at > ?", (now + ttl, key, now)
        )
        touched = cursor.rowcount == 1
        if touched:
            self._changed(key)
        return touched

    def take(self, key: str) -> dict[str, Any] | None:
        # fetchall() steps the statement to its end, so its implicit transaction commits now.
        rows = self._execute(
            "DELETE FROM entries WHERE key = ? AND expires_at > ? RETURNING value", (key, self.clock())
        ).fetchall()
        if not rows:
            return None
        self._changed(key)
        return decode_value(rows[0][0])

    def delete(self, key: str) -> None:
        if self._execute("DELETE FROM entries WHERE key = ?", (key,)).rowcount:
            self._changed(key)

    def release(self, key: str, value: dict[str, Any]) -> bool:
        cursor = self._execute("DELETE FROM entries WHERE key = ? AND value = ?", (key, encode_value(value)))
        released = cursor.rowcount == 1
        if released:
            self._changed(key)
        return released

    # Sets are read from the database each time (no change markers): they are read at sign-out
    # and by operators, not on every request.

    def add_member(self, key: str, member: str, ttl: float) -> None:
        self._execute(
            "INSERT INTO set_members (key, member, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key, member) DO UPDATE SET expires_at = excluded.expires_at",
            (key, member, self.clock() + ttl),
        )

    def members(self, key: str) -> list[str]:
        rows = self._execute(
            "SELECT member FROM set_members WHERE key = ? AND expires_at > ? ORDER BY expires_at", (key, self.clock())
        ).fetchall()
        return [member for (member,) in rows]

    def remove_member(self, key: str, member: str) -> None:
        self._execute("DELETE FROM set_members WHERE key = ? AND member = ?", (key, member))

    def set_keys(self, prefix: str) -> list[str]:
        rows = self._execute(
            "SELECT DISTINCT key FROM set_members WHERE substr(key, 1, ?) = ? AND expires_at > ? ORDER BY key",
            (len(prefix), prefix, self.clock()),
        ).fetchall()
        return [key for (key,) in rows]

    def purge_expired(self) -> int:
        purged = self._execute("DELETE FROM entries WHERE expires_at <= ?", (self.clock(),)).rowcount
        if purged:
            self._changed()
        return purged + self._execute("DELETE FROM set_members WHERE expires_at <= ?", (self.clock(),)).rowcount

    def ping(self) -> None:
        self._execute("SELECT 1").fetchall()

    def _purge_now_and_then(self) -> None:
        """Expired rows are invisible already; deleting them every few minutes keeps the file small."""
        now = self.clock()
        if now >= self._next_purge:
            self._next_purge = now + _PURGE_EVERY
            self.purge_expired()
