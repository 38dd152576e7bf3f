"""Server-side session storage: SQLite by default; the store is chosen by SESSION_STORE_URL."""

from .interface import (
    ABSOLUTE_EXPIRY_KEY,
    ServerSideSession,
    ServerSideSessionInterface,
)
from .store import Entry, SessionStore, StoreUnavailable


def open_store(url: str) -> SessionStore:
    """The store named by a SESSION_STORE_URL that config.py has validated; nothing connects yet."""
    if url.startswith("sqlite:"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///"):])
    from .redis import RedisStore

    return RedisStore(url)


__all__ = [
    "ABSOLUTE_EXPIRY_KEY",
    "Entry",
    "ServerSideSession",
    "ServerSideSessionInterface",
    "SessionStore",
    "StoreUnavailable",
    "open_store",
]
