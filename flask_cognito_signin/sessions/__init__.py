"""Server-side session storage: SQLite by default; the store is chosen by SESSION_STORE_URL."""

from .interface import (
    ABSOLUTE_EXPIRY_KEY,
    ServerSideSession,
    ServerSideSessionInterface,
)
from ..settings import ConfigError
from .store import Entry, SessionStore, StoreUnavailable


def open_store(url: str) -> SessionStore:
    """The store named by a SESSION_STORE_URL that the settings have validated; nothing connects yet."""
    if url.startswith("sqlite:"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///"):])
    try:
        from .redis import RedisStore
    except ImportError as error:  # redis-py is an optional dependency
        raise ConfigError([f"SESSION_STORE_URL names Redis, and redis-py is not installed: "
                           f"pip install 'flask-cognito-signin[redis]' ({error})"]) from error
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
