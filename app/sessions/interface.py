"""Flask's session, kept server-side: the cookie carries only a signed random session id.

Flask-Session was the first candidate; this small SessionInterface replaces it because the
relying party needs what Flask-Session does not offer: the stored key is a hash of the id
(a leaked store holds no usable cookie), an idle timeout refreshed without rewriting the
session, an absolute lifetime, explicit id rotation at sign-in, and one store contract
shared with the sign-in state and refresh locks.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import time
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from werkzeug.datastructures import CallbackDict

from .store import SessionStore

log = logging.getLogger(__name__)

#: Session keys the interface itself reads: when set, the session ends at this epoch time.
ABSOLUTE_EXPIRY_KEY = "absolute_expires_at"
_TOUCH_AFTER = 60.0
_VERIFIED_COOKIES = 4096


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def store_key(session_id: str) -> str:
    """The store never sees the raw id, only its SHA-256."""
    return "session:" + hashlib.sha256(session_id.encode()).hexdigest()


class ServerSideSession(CallbackDict, SessionMixin):
    """One browser's session data, loaded from the store under its id."""

    def __init__(self, data: dict[str, Any] | None = None, sid: str | None = None, expires_at: float | None = None):
        def on_update(session: ServerSideSession) -> None:
            session.modified = True
            session.accessed = True

        super().__init__(data, on_update)
        self._sid = sid
        self.new = data is None
        self.modified = False
        self.accessed = False
        #: When the stored entry expires (idle or absolute, whichever is first); None if not stored.
        self.expires_at = expires_at
        #: Set when the cookie must be sent although the session holds no data yet.
        self.keep_cookie = False
        self.replaced_sid: str | None = None

    @property
    def sid(self) -> str:
        """The session id, drawn when first needed: most requests without a cookie never need one."""
        if self._sid is None:
            self._sid = new_session_id()
        return self._sid

    def regenerate(self) -> None:
        """Move the data to a fresh id (at sign-in), so an id known before sign-in is worthless."""
        if self.replaced_sid is None:
            self.replaced_sid = self.sid
        self._sid = new_session_id()
        self.modified = True

    def keep(self) -> None:
        """Send the id cookie even while the session is empty: state stored elsewhere is bound to it."""
        self.keep_cookie = True


class ServerSideSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, secret_key: str, idle_timeout: float, clock=time.time):
        self.store = store
        self.idle_timeout = idle_timeout
        self.clock = clock
        # itsdangerous derives the signing key from the secret and salt on every call; derive it once.
        key = Signer(secret_key, salt="cognito-rp.session-id", digest_method=hashlib.sha256).derive_key()
        self.signer = Signer(key, key_derivation="none", digest_method=hashlib.sha256)
        # A signature check depends only on the cookie and the key, so each cookie is checked (and
        # its store key hashed) once per worker, not on every request (lru_cache: bounded, thread-safe).
        self._session_ids = functools.lru_cache(maxsize=_VERIFIED_COOKIES)(self._verify)

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return ServerSideSession()
        ids = self._session_ids(cookie)
        if ids is None:
            log.warning("session cookie rejected: bad signature")
            return ServerSideSession()
        sid, key = ids
        entry = self.store.get(key)
        if entry is None:
            return ServerSideSession(sid=sid)
        session = ServerSideSession(entry.value, sid=sid, expires_at=entry.expires_at)
        self._touch(session, key)
        return session

    def _verify(self, cookie: str) -> tuple[str, str] | None:
        """The session id in a signed cookie and its store key, or None when the signature is wrong."""
        try:
            sid = self.signer.unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        return sid, store_key(sid)

    def save_session(self, app: Flask, session: ServerSideSession | None, response: Response) -> None:
        if session is None:  # opening it failed; the error handler answered already
            return
        if session.replaced_sid:
            self.store.delete(store_key(session.replaced_sid))
        if not session:
            if not session.new:
                self.store.delete(store_key(session.sid))
            if session.keep_cookie:
                self._set_cookie(app, session, response)
            elif not session.new:
                self._delete_cookie(app, response)
            return
        if session.modified:
            ttl = self._ttl(session)
            self.store.put(store_key(session.sid), dict(session), ttl)
            session.expires_at = self.clock() + ttl
            self._set_cookie(app, session, response)
        if session.accessed:
            _vary_on_cookie(response)

    def commit(self, session: ServerSideSession) -> None:
        """Write the session now, mid-request (after a token refresh), so concurrent requests see it."""
        ttl = self._ttl(session)
        self.store.put(store_key(session.sid), dict(session), ttl)
        session.expires_at = self.clock() + ttl
        session.modified = False

    def reload(self, session: ServerSideSession) -> None:
        """Replace the in-memory data with what the store holds now (another request may have written)."""
        entry = self.store.get(store_key(session.sid))
        dict.clear(session)
        if entry is not None:
            dict.update(session, entry.value)
            session.expires_at = entry.expires_at

    def _ttl(self, session: ServerSideSession) -> float:
        absolute = session.get(ABSOLUTE_EXPIRY_KEY)
        remaining = absolute - self.clock() if isinstance(absolute, (int, float)) else self.idle_timeout
        return max(1.0, min(self.idle_timeout, remaining))

    def _touch(self, session: ServerSideSession, key: str) -> None:
        """Slide the idle expiry without rewriting the data, at most once a minute (not a write per request)."""
        now = self.clock()
        touch_after = min(_TOUCH_AFTER, self.idle_timeout / 4)
        if now + self.idle_timeout - session.expires_at < touch_after:
            return  # the entry's expiry is recent enough (a TTL is never longer than the idle timeout)
        ttl = self._ttl(session)
        if now + ttl - session.expires_at >= touch_after and self.store.touch(key, ttl):
            session.expires_at = now + ttl

    def _set_cookie(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        absolute = session.get(ABSOLUTE_EXPIRY_KEY)
        response.set_cookie(
            self.get_cookie_name(app),
            self.signer.sign(session.sid).decode(),
            expires=absolute if isinstance(absolute, (int, float)) else None,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            path="/",
        )

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            path="/",
        )


def _vary_on_cookie(response: Response) -> None:
    """Vary: Cookie, as Flask's own sessions send. Appended as a field line of its own, which HTTP
    combines with any Vary the view set (RFC 9110 5.3); response.vary would parse and rewrite it."""
    response.headers.add("Vary", "Cookie")
