"""SQLite session store: the embedded default, safe across gunicorn worker processes on one host.

WAL mode lets readers run beside one writer. Every write is one short transaction, begun
IMMEDIATE (it takes the write lock first, so it never fails half-way), and `take` uses
DELETE … RETURNING so only one caller gets a value. A connection is opened per process and
OS thread, and never shared across a fork.

Reads are answered from what this process read before while the key's change marker
(shared memory, see change_markers) says no write happened since: most requests then make
no SQLite call. Every write goes through this class, which changes the marker inside the
write's transaction; a row changed behind its back (the sqlite3 shell) may be seen late.

A write waiting for another process's lock waits in Python (time.sleep, which gevent makes
cooperative), not in SQLite's busy handler: that one sleeps in C, and under gevent froze
every greenlet of the worker until the lock came free.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..settings import ConfigError
from .change_markers import UNWRITTEN, ChangeMarkers, new_marker, slot_of
from .file_systems import network_file_system
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
CREATE TABLE IF NOT EXISTS markers (
    slot INTEGER PRIMARY KEY,
    marker BLOB NOT NULL
);
"""
_PURGE_EVERY = 300.0
#: Rows one process remembers (session entries are a few hundred bytes, auth records a few kB:
#: 10 MB at worst); past that it starts again, which is cheaper than ordering them by use.
_REMEMBERED_READS = 2048
#: Files beside the database that hold its data (SQLite's own) or describe it (the change markers).
_COMPANIONS = ("-wal", "-shm", "-changes")
_RETRY_FIRST, _RETRY_MOST = 0.001, 0.025
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

T = TypeVar("T")


class SQLiteStore(SessionStore):
    def __init__(self, path: str | Path, busy_timeout: float = 5.0, clock=time.time):
        self.path = Path(path)
        shared = network_file_system(self.path)
        if shared is not None:
            file_system, mount_point = shared
            raise ConfigError([f"SESSION_STORE_URL: the SQLite file {self.path} is on {mount_point}, a {file_system} "
                               f"network file system, where SQLite's WAL mode and locks do not work. Put it on a "
                               f"local disk, or use Redis (SESSION_STORE_URL=redis://…) for sessions that several "
                               f"hosts share."])
        self.busy_timeout = busy_timeout
        self.clock = clock
        #: One connection per OS thread of this process (see _connection).
        self._connections: dict[int, sqlite3.Connection] = {}
        self._pid = os.getpid()
        self._preparing = threading.Lock()
        self._prepared = False
        self._next_purge = 0.0
        self._markers = ChangeMarkers(self.path.with_name(self.path.name + "-changes"))
        #: key -> (the marker the database held for it when read, stored value, expires_at)
        self._read: dict[str, tuple[bytes, str, float]] = {}

    def _connection(self) -> sqlite3.Connection:
        """This OS thread's connection, opened on first use. Keyed by the native thread id, not a
        threading.local: under gevent every request is a greenlet of its own, and a greenlet-local
        connection would be opened (and the schema checked) on every request. Greenlets of one thread
        may share it: a statement runs in C, and a transaction never waits (so never yields) half-way."""
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
        self._markers.open()  # before any write, so that a write can always change its marker
        # timeout=0: SQLite answers "busy" at once, and _retrying waits (see the module docstring).
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        with self._preparing:
            if not self._prepared:
                self._tighten_file_modes()
                self._retrying(lambda: self._prepare(connection))
                self._prepared = True
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _tighten_file_modes(self) -> None:
        """Files made by an older version, or copied in, may be readable by others (0644 exposes every
        session's tokens to any local user, CWE-732): they become the owner's alone at start-up."""
        for path in (self.path, *(self.path.with_name(self.path.name + suffix) for suffix in _COMPANIONS)):
            try:
                if stat.S_IMODE(path.stat().st_mode) & 0o077:
                    path.chmod(0o600)
            except FileNotFoundError:
                continue

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """WAL mode and the schema, once per process. Both last in the file; switching to WAL takes its
        lock without waiting, so another process doing the same at the same moment (gunicorn workers'
        first requests) is waited for, as any other lock is."""
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(_SCHEMA)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """`attempt()`, tried again while another connection holds the lock it needs, up to busy_timeout.

        Between tries it sleeps in Python, so other threads and greenlets of this worker run meanwhile.
        """
        deadline, pause = time.monotonic() + self.busy_timeout, _RETRY_FIRST
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF in _BUSY  # extended codes (SQLITE_BUSY_RECOVERY) too
                if not busy or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _RETRY_MOST)

    def _execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        """One read (a lock it waits for is met at its first step, within execute)."""
        try:
            return self._retrying(lambda: self._connection().execute(sql, parameters))
        except (sqlite3.Error, OSError) as error:
            raise self._unavailable(error) from error

    def _write(self, sql: str, parameters: tuple, key: str | None) -> tuple[int, list[tuple]]:
        """One write and, in its transaction, a new marker for each key it changed: `key`, or (None) the
        keys the statement returns first. Returns the rows changed and the rows returned.

        The markers change before the commit: a worker killed after it leaves them changed, and one
        killed before leaves nothing written. No wait happens inside the transaction, so no other
        greenlet sharing the connection runs in the middle of it.
        """
        try:
            connection = self._connection()
            self._retrying(lambda: connection.execute("BEGIN IMMEDIATE"))
            try:
                cursor = connection.execute(sql, parameters)
                rows = cursor.fetchall()
                changed = ([key] if cursor.rowcount > 0 else []) if key is not None else [row[0] for row in rows]
                for slot in {slot_of(changed_key) for changed_key in changed}:
                    self._mark(connection, slot)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as error:
            raise self._unavailable(error) from error
        return cursor.rowcount, rows

    def _mark(self, connection: sqlite3.Connection, slot: int) -> None:
        marker = new_marker()
        connection.execute("INSERT INTO markers (slot, marker) VALUES (?, ?) "
                           "ON CONFLICT (slot) DO UPDATE SET marker = excluded.marker", (slot, marker))
        self._markers.set(slot, marker)

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"SQLite session store {self.path}: {error}")

    def get(self, key: str) -> Entry | None:
        slot = slot_of(key)
        try:
            self._connection()  # opened first: it makes the folder, the database and the marker file
            marker = self._markers.of(slot)
        except (sqlite3.Error, OSError) as error:
            raise self._unavailable(error) from error
        now = self.clock()
        remembered = self._read.get(key)
        if remembered is not None and remembered[0] == marker:
            _, stored, expires_at = remembered
            return Entry(decode_value(stored), expires_at) if stored is not None and expires_at > now else None
        # The row, or its absence, and the marker the slot's last write left, in one snapshot. An
        # absence is remembered too: every write that could end it changes that marker (a bearer
        # token's check of the signed-out logins is such a read, on every API request).
        stored, expires_at, written_under = self._execute(
            "SELECT entries.value, entries.expires_at, (SELECT marker FROM markers WHERE slot = ?) "
            "FROM (SELECT 1) LEFT JOIN entries ON entries.key = ? AND entries.expires_at > ?",
            (slot, key, now)).fetchone()
        if len(self._read) >= _REMEMBERED_READS:
            self._read.clear()
        # decoded afresh on each read: callers may change it
        self._read[key] = (UNWRITTEN if written_under is None else written_under, stored, expires_at)
        return None if stored is None else Entry(decode_value(stored), expires_at)

    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        self._purge_now_and_then()
        self._write(
            "INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            (key, encode_value(value), self.clock() + ttl), key,
        )

    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        now = self.clock()
        added, _ = self._write(
            "INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at "
            "WHERE entries.expires_at <= ?",
            (key, encode_value(value), now + ttl, now), key,
        )
        return added == 1

    def replace(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        now = self.clock()
        replaced, _ = self._write(
            "UPDATE entries SET value = ?, expires_at = ? WHERE key = ? AND expires_at > ?",
            (encode_value(value), now + ttl, key, now), key,
        )
        return replaced == 1

    def touch(self, key: str, ttl: float) -> bool:
        now = self.clock()
        touched, _ = self._write(
            "UPDATE entries SET expires_at = ? WHERE key = ? AND expires_at > ?", (now + ttl, key, now), key
        )
        return touched == 1

    def take(self, key: str) -> dict[str, Any] | None:
        _, rows = self._write(
            "DELETE FROM entries WHERE key = ? AND expires_at > ? RETURNING value", (key, self.clock()), key
        )
        return decode_value(rows[0][0]) if rows else None

    def delete(self, key: str) -> None:
        self._write("DELETE FROM entries WHERE key = ?", (key,), key)

    def release(self, key: str, value: dict[str, Any]) -> bool:
        released, _ = self._write("DELETE FROM entries WHERE key = ? AND value = ?", (key, encode_value(value)), key)
        return released == 1

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
        purged, _ = self._write("DELETE FROM entries WHERE expires_at <= ? RETURNING key", (self.clock(),), None)
        return purged + self._execute("DELETE FROM set_members WHERE expires_at <= ?", (self.clock(),)).rowcount

    def ping(self) -> None:
        self._execute("SELECT 1").fetchall()

    def _purge_now_and_then(self) -> None:
        """Expired rows are invisible already; deleting them every few minutes keeps the file small."""
        now = self.clock()
        if now >= self._next_purge:
            self._next_purge = now + _PURGE_EVERY
            self.purge_expired()
