"""The contract every session store keeps: a small key-value store with expiry.

Keys are namespaced strings (`session:…`, `auth:…`, `lock:…`) built by the callers; values
are JSON objects. Every entry has a time to live, so idle sessions and abandoned locks
disappear by themselves, and `take` is atomic so a value can be used once only. Nothing is
stored for a browser before it signs in (pending sign-ins wait in a cookie). Sets of strings,
each member with its own time to live, live beside the entries under keys of their own (a
user's sessions, for signing out everywhere).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, NamedTuple

import orjson


def encode_value(value: dict[str, Any]) -> str:
    """The stored form of a value. orjson, because every request decodes its session entry and a
    worker decodes each auth record (a few kB of tokens and claims) it reads, and orjson does that
    several times faster than the json module."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def decode_value(stored: str | bytes) -> dict[str, Any]:
    return orjson.loads(stored)


class StoreUnavailable(Exception):
    """The session store could not be reached or answered with an error."""


class Entry(NamedTuple):
    value: dict[str, Any]
    expires_at: float


class SessionStore(ABC):
    """Key-value storage with per-entry expiry; implementations must be safe across processes."""

    @abstractmethod
    def get(self, key: str) -> Entry | None:
        """The live entry under key, or None when absent or expired."""

    @abstractmethod
    def put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        """Create or replace the entry, living ttl seconds from now."""

    @abstractmethod
    def add(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        """Create the entry only if no live one exists; True when created (a lock primitive)."""

    @abstractmethod
    def replace(self, key: str, value: dict[str, Any], ttl: float) -> bool:
        """Rewrite a live entry only; False when it is gone. A write can then never bring back an
        entry that another request deleted (a signed-out session stays signed out)."""

    @abstractmethod
    def touch(self, key: str, ttl: float) -> bool:
        """Extend a live entry to ttl seconds from now without rewriting it; False if gone."""

    @abstractmethod
    def take(self, key: str) -> dict[str, Any] | None:
        """Atomically remove and return the live value: two concurrent takes never both win."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the entry if present."""

    @abstractmethod
    def release(self, key: str, value: dict[str, Any]) -> bool:
        """Remove the entry only while it still holds `value`: a lock is released by its owner alone,
        never by a request whose own lock expired and was taken by another."""

    # Sets with expiring members (which sessions each user has), beside the entries above.

    @abstractmethod
    def add_member(self, key: str, member: str, ttl: float) -> None:
        """Put `member` in the set under `key`, living ttl seconds from now (again: its time starts anew)."""

    @abstractmethod
    def members(self, key: str) -> list[str]:
        """The live members of the set under `key`, oldest expiry first; [] when there is none."""

    @abstractmethod
    def remove_member(self, key: str, member: str) -> None:
        """Take `member` out of the set under `key` if it is there."""

    @abstractmethod
    def set_keys(self, prefix: str) -> list[str]:
        """The keys, starting with `prefix`, of the sets that have a live member. For an operator's
        listing: it reads every set, so no request should call it."""

    @abstractmethod
    def purge_expired(self) -> int:
        """Remove expired entries; return how many went."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""
