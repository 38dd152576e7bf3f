"""What a sign-in leaves on the server: the provider, the user and the tokens, stored once, never edited.

The session entry holds only the id of its current record. A token refresh writes a new
record and points the session at it, so a record's content never changes under its id and
each worker may keep the records it has read. A request then reads only its small session
entry from the store: that entry is where sign-out, timeouts and refreshes take effect, for
every worker and instance at once.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Any

from flask_cognito_signin.oidc.token_endpoint import TokenSet
from flask_cognito_signin.oidc.user import User
from flask_cognito_signin.sessions import SessionStore

#: Records one worker keeps in memory (a few kB each); the least recently used go first.
CACHED_RECORDS = 1024


@dataclass(frozen=True)
class AuthRecord:
    provider: str
    user: User
    tokens: TokenSet

    def as_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "user": self.user.as_dict(), "tokens": self.tokens.as_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuthRecord:
        provider = data["provider"]
        return cls(provider, User.from_dict(data["user"], provider=provider), TokenSet.from_dict(data["tokens"]))


class AuthRecords:
    def __init__(self, store: SessionStore, cached: int = CACHED_RECORDS):
        self.store = store
        # Ids are random and never reused, and records never change: a cached answer stays true
        # (a record that is gone stays gone). lru_cache is bounded and thread-safe.
        self.get = functools.lru_cache(maxsize=cached)(self._read)

    def save(self, record: AuthRecord, ttl: float) -> str:
        """Store a new record; its id is what the session keeps."""
        record_id = secrets.token_urlsafe(32)
        self.store.put(_key(record_id), record.as_dict(), ttl)
        return record_id

    def retire(self, record_id: str, grace: float) -> None:
        """Let a replaced record live only `grace` more seconds, for requests that still hold its id."""
        self.store.touch(_key(record_id), grace)

    def delete(self, record_id: str) -> None:
        self.store.delete(_key(record_id))

    def _read(self, record_id: str) -> AuthRecord | None:
        entry = self.store.get(_key(record_id))
        return AuthRecord.from_dict(entry.value) if entry else None


def _key(record_id: str) -> str:
    return "auth:" + record_id
