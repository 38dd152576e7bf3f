"""Markers in shared memory that every write changes, so a process can tell whether what it read is still current.

Why this exists: Python's sqlite3 releases the GIL around every step of a statement. In a
threaded gunicorn worker each release hands the GIL to another busy thread, and under load
those handoffs, not SQLite itself, made a session read cost about ten times its 8 µs.
Reading eight bytes of a memory map keeps the GIL, so a store can answer a read from what
it read before, as long as the marker of that key has not changed since.

The markers live in a small file next to the database, mapped by every process that opens
it (gunicorn workers, other instances on the host, the CLI). Keys are spread over many
markers by a stable hash, so a write makes only the reads of its own share of keys go back
to the database. The store sets a marker to fresh random bytes inside the write's own
transaction, before its commit, and records the same bytes in the database, where a reader
reads them in one snapshot with the row. What a reader remembers is so tied to the marker of
the data it read: a read between a marker's change and its commit is never taken as current,
and a worker killed at any point leaves either nothing committed or the new marker, never a
committed write behind an unchanged marker (which let other workers serve a deleted session).
Writers set markers while they hold SQLite's write lock, so two never interleave.
"""

from __future__ import annotations

import mmap
import os
import threading
import zlib
from pathlib import Path

MARKERS = 1024
_WIDTH = 8
#: The marker of a slot that no write has changed yet: a new file is all zeros, and its database has no
#: marker row for the slot. Every write sets both, so a read under this marker is current until one does.
UNWRITTEN = bytes(_WIDTH)


class ChangeMarkers:
    def __init__(self, path: Path):
        self.path = path
        self._map: mmap.mmap | None = None
        self._opening = threading.Lock()

    def of(self, slot: int) -> bytes:
        """The marker of `slot` now."""
        start = slot * _WIDTH
        return self.open()[start:start + _WIDTH]

    def set(self, slot: int, marker: bytes) -> None:
        start = slot * _WIDTH
        self.open()[start:start + _WIDTH] = marker

    def open(self) -> mmap.mmap:
        """The shared markers, mapped on first use (OSError when the file cannot be made or mapped)."""
        markers = self._map
        if markers is None:
            with self._opening:
                if self._map is None:
                    self._map = _map_file(self.path)
                markers = self._map
        return markers


def slot_of(key: str) -> int:
    """The marker a key shares with its share of keys."""
    # crc32, not hash(): every process, and every instance sharing the file, must agree.
    return zlib.crc32(key.encode()) % MARKERS


def new_marker() -> bytes:
    return os.urandom(_WIDTH)


def _map_file(path: Path) -> mmap.mmap:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(descriptor).st_size < MARKERS * _WIDTH:
            os.ftruncate(descriptor, MARKERS * _WIDTH)  # two processes racing here both write zeros
        return mmap.mmap(descriptor, MARKERS * _WIDTH)
    finally:
        os.close(descriptor)  # the mapping keeps the file
