"""All mutable emulator state, kept in this process's memory behind one lock.

Codes, refresh tokens, revocations and hosted-UI sessions vanish on restart,
which is fine for a local emulator (a restart is like signing everyone out).
Expired entries are swept now and then so long load tests stay bounded.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType

from .models import AuthorizationCode, Challenge, HostedUISession, PendingFederation, RefreshToken

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
        self._challenges: dict[str, Challenge] = {}
        # username -> the last TOTP time step accepted (RFC 6238: no code twice)
        self._totp_steps: dict[str, int] = {}
        # state -> a browser at an identity provider
        self._federations: dict[str, PendingFederation] = {}
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
        """A refresh token that is neither expired, revoked nor rotated out, else None."""
        with self._lock:
            found = self._refresh_tokens.get(token)
        now = self.clock()
        if found is None or found.expires_at <= now:
            return None
        if found.retired_until is not None and found.retired_until <= now:
            return None
        return found

    def is_rotated_out(self, token: str) -> bool:
        """Whether ``token`` was rotated out and its grace period is over: the API calls that
        reuse (RefreshTokenReuseException). Remembered until the token would have expired."""
        with self._lock:
            found = self._refresh_tokens.get(token)
        now = self.clock()
        return (
            found is not None
            and found.expires_at > now
            and found.retired_until is not None
            and found.retired_until <= now
        )

    def retire(self, token: RefreshToken, grace_seconds: int) -> None:
        """A rotated-out refresh token: valid ``grace_seconds`` more, for retries.

        Cognito developer guide, "Refresh tokens" (refresh token rotation); API reference,
        RefreshTokenRotationType: with RetryGracePeriodSeconds 0 "a successful request
        immediately invalidates the submitted refresh token". A retry within the grace period
        does not move its end.
        """
        with self._lock:
            current = self._refresh_tokens.get(token.token)
            if current is None or current.retired_until is not None:
                return
            until = min(current.expires_at, self.clock() + grace_seconds)
            self._refresh_tokens[token.token] = replace(current, retired_until=until)

    def revoke(self, token: RefreshToken, access_token_lifetime: int) -> None:
        """Revoke a refresh token and every access token of its origin.

        The revocation is remembered as long as an access token issued now lives.
        """
        with self._lock:
            self._refresh_tokens.pop(token.token, None)
            self._revoked_origins[token.origin_jti] = self.clock() + access_token_lifetime

    def revoke_user_tokens(self, username: str, access_token_lifetime: int) -> None:
        """Revoke all the user's refresh tokens, and so the access and ID tokens of those
        sign-ins (Cognito API reference: AdminUserGlobalSignOut); hosted-UI sessions stay."""
        with self._lock:
            self._revoke_user_tokens(username, access_token_lifetime)

    def _revoke_user_tokens(self, username: str, access_token_lifetime: int) -> None:
        until = self.clock() + access_token_lifetime
        for key, token in list(self._refresh_tokens.items()):
            if token.username == username:
                del self._refresh_tokens[key]
                self._revoked_origins[token.origin_jti] = until

    def sign_out_user(self, username: str, access_token_lifetime: int) -> None:
        """Revoke the user's tokens (as AdminUserGlobalSignOut does) and end its hosted-UI
        sessions and sign-ins under way: what disabling or deleting a user implies."""
        with self._lock:
            self._revoke_user_tokens(username, access_token_lifetime)
            for sid, session in list(self._sessions.items()):
                if session.username == username:
                    del self._sessions[sid]
            for key, challenge in list(self._challenges.items()):
                if challenge.username == username:
                    del self._challenges[key]

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

    def start_challenge(self, username: str, step: str, lifetime: int) -> Challenge:
        challenge = Challenge(
            id=secrets.token_urlsafe(32),
            username=username,
            step=step,
            expires_at=self.clock() + lifetime,
        )
        with self._lock:
            self._purge_if_due()
            self._challenges[challenge.id] = challenge
        return challenge

    def find_challenge(self, challenge_id: str | None, step: str) -> Challenge | None:
        """The live challenge at ``step``: a page cannot answer another step's challenge."""
        if not challenge_id:
            return None
        with self._lock:
            found = self._challenges.get(challenge_id)
        if found is None or found.step != step or found.expires_at <= self.clock():
            return None
        return found

    def advance_challenge(self, challenge: Challenge, step: str) -> Challenge:
        """The same sign-in, now at ``step``."""
        moved = replace(challenge, step=step, failures=0)
        with self._lock:
            self._challenges[challenge.id] = moved
        return moved

    def fail_challenge(self, challenge: Challenge, max_failures: int) -> bool:
        """Count a wrong answer; False (and the challenge ended) once there were too many."""
        with self._lock:
            current = self._challenges.get(challenge.id)
            if current is None or current.failures + 1 >= max_failures:
                self._challenges.pop(challenge.id, None)
                return False
            self._challenges[challenge.id] = replace(current, failures=current.failures + 1)
            return True

    def end_challenge(self, challenge_id: str | None) -> None:
        if challenge_id:
            with self._lock:
                self._challenges.pop(challenge_id, None)

    def use_totp_step(self, username: str, step: int) -> bool:
        """Accept a TOTP time step once per user: False if it or a later one was used."""
        with self._lock:
            if step <= self._totp_steps.get(username, -1):
                return False
            self._totp_steps[username] = step
            return True

    def start_federation(
        self, provider_name: str, request: Mapping[str, str], lifetime: int
    ) -> PendingFederation:
        """Remember an authorization request while the browser signs in at ``provider_name``,
        with a new state, nonce and PKCE verifier for the request to the provider."""
        pending = PendingFederation(
            state=secrets.token_urlsafe(32),
            provider_name=provider_name,
            request=MappingProxyType(dict(request)),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),  # 64 characters (RFC 7636: 43 to 128)
            expires_at=self.clock() + lifetime,
        )
        with self._lock:
            self._purge_if_due()
            self._federations[pending.state] = pending
        return pending

    def take_federation(self, state: str) -> PendingFederation | None:
        """Consume the live sign-in at a provider with ``state``: each answer counts once."""
        with self._lock:
            found = self._federations.pop(state, None)
        return found if found is not None and found.expires_at > self.clock() else None

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
            (self._challenges, lambda c: c.expires_at > now),
            (self._federations, lambda f: f.expires_at > now),
            (self._revoked_origins, lambda until: until > now),
        ):
            for key in [k for k, v in table.items() if not alive(v)]:
                del table[key]
