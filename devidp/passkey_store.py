"""The users' passkeys and the WebAuthn ceremonies under way, in this process's memory.

Like the hosted-UI sessions (store.py), they vanish on restart: a developer registers a passkey
again, and a test registers the ones it uses. A ceremony's challenge never leaves the server
except in its options; the browser holds only the ceremony's id, in its signed session cookie.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

_PURGE_INTERVAL_SECONDS = 60.0
#: WebAuthn section 14.6.1: user handles are random, never the user name or anything that names the user.
_USER_HANDLE_BYTES = 32


@dataclass(frozen=True)
class PasskeyCredential:
    """A registered passkey (Cognito API reference: ListWebAuthnCredentials, WebAuthnCredentialDescription)."""

    credential_id: bytes
    username: str
    #: The WebAuthn user handle the passkey was made for: the authenticator returns it at sign-in.
    user_handle: bytes
    public_key: bytes = field(repr=False)
    #: The authenticator's signature counter at the last use (WebAuthn section 6.1.1).
    sign_count: int
    created_at: float
    transports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ceremony:
    """A challenge the server issued for one registration or one sign-in, answered at most once."""

    id: str
    #: "register" or "sign_in": a challenge issued for one is never accepted by the other.
    kind: str
    challenge: bytes = field(repr=False)
    #: Who registers; at sign-in, the user name typed before choosing the passkey (or None).
    username: str | None
    expires_at: float


class PasskeyStore:
    """``clock`` decides expiry; tests pass one they move by hand."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._credentials: dict[bytes, PasskeyCredential] = {}
        self._user_handles: dict[str, bytes] = {}
        self._ceremonies: dict[str, Ceremony] = {}
        self._next_purge = clock() + _PURGE_INTERVAL_SECONDS

    def user_handle(self, username: str) -> bytes:
        """The user's WebAuthn user handle, made at the first registration and kept."""
        with self._lock:
            return self._user_handles.setdefault(username, secrets.token_bytes(_USER_HANDLE_BYTES))

    def start_ceremony(self, kind: str, challenge: bytes, username: str | None, lifetime: int) -> Ceremony:
        ceremony = Ceremony(
            id=secrets.token_urlsafe(32),
            kind=kind,
            challenge=challenge,
            username=username,
            expires_at=self.clock() + lifetime,
        )
        with self._lock:
            self._purge_if_due()
            self._ceremonies[ceremony.id] = ceremony
        return ceremony

    def take_ceremony(self, ceremony_id: str | None, kind: str) -> Ceremony | None:
        """Consume the live ceremony of ``kind``: each challenge is answered once, right or wrong."""
        if not ceremony_id:
            return None
        with self._lock:
            found = self._ceremonies.pop(ceremony_id, None)
        if found is None or found.kind != kind or found.expires_at <= self.clock():
            return None
        return found

    def end_ceremony(self, ceremony_id: str | None) -> None:
        if ceremony_id:
            with self._lock:
                self._ceremonies.pop(ceremony_id, None)

    def add(self, credential: PasskeyCredential) -> bool:
        """Register ``credential``; False if its id is registered already (WebAuthn section 7.1 step 26)."""
        with self._lock:
            if credential.credential_id in self._credentials:
                return False
            self._credentials[credential.credential_id] = credential
            return True

    def find(self, credential_id: bytes) -> PasskeyCredential | None:
        with self._lock:
            return self._credentials.get(credential_id)

    def of_user(self, username: str) -> list[PasskeyCredential]:
        with self._lock:
            return [c for c in self._credentials.values() if c.username == username]

    def used(self, credential: PasskeyCredential, sign_count: int) -> None:
        """Remember the counter of a verified sign-in, so that a cloned authenticator shows."""
        with self._lock:
            current = self._credentials.get(credential.credential_id)
            if current is not None:
                self._credentials[credential.credential_id] = replace(current, sign_count=sign_count)

    def forget_user(self, username: str) -> None:
        """A deleted user's passkeys and handle go with it: a new user of that name has none."""
        with self._lock:
            self._user_handles.pop(username, None)
            for key in [k for k, c in self._credentials.items() if c.username == username]:
                del self._credentials[key]
            for key in [k for k, c in self._ceremonies.items() if c.username == username]:
                del self._ceremonies[key]

    def _purge_if_due(self) -> None:
        """Drop expired ceremonies; the caller holds the lock."""
        now = self.clock()
        if now < self._next_purge:
            return
        self._next_purge = now + _PURGE_INTERVAL_SECONDS
        for key in [k for k, c in self._ceremonies.items() if c.expires_at <= now]:
            del self._ceremonies[key]
