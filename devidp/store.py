"""All mutable emulator state, kept in this process's memory behind one lock.

Codes, refresh tokens, revocations and hosted-UI sessions vanish on restart,
which is fine for a local emulator (a restart is like signing everyone out).
Expired entries are swept now and then so long load tests stay bounded.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from .models import AuthorizationCode, HostedUISession, RefreshToken

_PURGE_INTERVAL_SECONDS = 60.0


class MemoryStore:
    """``clock`` decides expiry; tests pass one they move by hand."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._refresh_tokens: dict[str, RefreshToken] = {}
        # origin_jti -> time until which access tokens of that origin may live
        self._revoked_origins: dict[str, float] = {}
        self._sessions: dict[str, HostedUISession] = {}
        self._next_purge = clock() + _PURGE_INTERVAL_SECONDS

    def save_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._purge_if_due()
            self._codes[code.code] = code

    def take_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """Consume a live code issued to ``client_id``: each code works once."""
        with self._lock:
            found = self._codes.get(code)
            if found is None or found.client_id != client_id:
                return None
            del self._codes[code]
            return found if found.expires_at > self.clock() else None

    def save_refresh_token(self, token: RefreshToken) -> None:
        with self._lock:
            self._purge_if_due()
            self._refresh_tokens[token.token] = token

    def find_refresh_token(self, token: str) -> RefreshToken | None:
        """A refresh token that is neither expired nor revoked, else None."""
        with self._lock:
            found = self._refresh_tokens.get(token)
        if found is None or found.expires_at <= self.clock():
            return None
        return found

    def retire(self, token: RefreshToken, grace_seconds: int) -> None:
        """A rotated-out refresh token: valid ``grace_seconds`` more, for retries.

        Cognito developer guide, "Refresh tokens" (refresh token rotation).
        """
        with self._lock:
            current = self._refresh_tokens.get(token.token)
            if current is None:
                return
            until = min(current.expires_at, self.clock() + grace_seconds)
            if grace_seconds <= 0:
                del self._refresh_tokens[token.token]
            else:
                self._refresh_tokens[token.token] = replace(current, expires_at=until)

    def revoke(self, token: RefreshToken, access_token_lifetime: int) -> None:
        """Revoke a refresh token and every access token of its origin.

        The revocation is remembered as long as an access token issued now lives.
        """
        with self._lock:
            self._refresh_tokens.pop(token.token, None)
            self._revoked_origins[token.origin_jti] = self.clock() + access_token_lifetime

    def is_origin_revoked(self, origin_jti: str) -> bool:
        with self._lock:
            return origin_jti in self._revoked_origins

    def start_session(self, username: str, lifetime: int) -> HostedUISession:
        now = self.clock()
        session = HostedUISession(
            sid=secrets.token_urlsafe(32),
            username=username,
            auth_time=int(now),
            expires_at=now + lifetime,
        )
        with self._lock:
            self._purge_if_due()
            self._sessions[session.sid] = session
        return session

    def find_session(self, sid: str | None) -> HostedUISession | None:
        if not sid:
            return None
        with self._lock:
            found = self._sessions.get(sid)
        if found is None or found.expires_at <= self.clock():
            return None
        return found

    def end_session(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(sid, None)

    def _purge_if_due(self) -> None:
        """Drop expired entries; the caller holds the lock."""
        now = self.clock()
        if now < self._next_purge:
            return
        self._next_purge = now + _PURGE_INTERVAL_SECONDS
        for table, alive in (
            (self._codes, lambda c: c.expires_at > now),
            (self._refresh_tokens, lambda t: t.expires_at > now),
            (self._sessions, lambda s: s.expires_at > now),
            (self._revoked_origins, lambda until: until > now),
        ):
            for key in [k for k, v in table.items() if not alive(v)]:
                del table[key]
