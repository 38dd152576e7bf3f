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

from flask_cognito_signin.events import log_event

from .store import SessionStore, StoreUnavailable

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
    """One browser's session data, loaded from the store under its id.

    An entry is created only under an id drawn in this process (`add`); a session loaded
    from the store is written back only while its entry still exists (`replace`). So once
    an entry is deleted (sign-out, timeout), nothing can bring it back: not a request that
    loaded it before the sign-out, nor one that presents the old cookie afterwards (it gets
    a new id).
    """

    def __init__(self, data: dict[str, Any] | None = None, sid: str | None = None, expires_at: float | None = None):
        def on_update(session: ServerSideSession) -> None:
            session.modified = True
            session.accessed = True

        super().__init__(data, on_update)
        self._sid = sid
        #: The id whose store entry this session was loaded from; None for a session new in this request.
        self.stored_sid = sid
        self.modified = False
        self.accessed = False
        #: When the stored entry expires (idle or absolute, whichever is first); None if not stored.
        self.expires_at = expires_at
        #: Set when the request's cookie named a session that no longer exists: the browser should forget it.
        self.stale_cookie = False
        #: The store's failure when the session could not be opened; raised before any view runs.
        self.unavailable: StoreUnavailable | None = None
        self.replaced_sid: str | None = None

    @property
    def new(self) -> bool:  # SessionMixin's flag: True unless loaded from the store
        return self.stored_sid is None

    @property
    def sid(self) -> str:
        """The session id, drawn when first needed: most requests without a cookie never need one."""
        if self._sid is None:
            self._sid = new_session_id()
        return self._sid

    def regenerate(self) -> None:
        """Move the data to a fresh id (at sign-in), so an id known before sign-in is worthless."""
        if self.replaced_sid is None and self.stored_sid is not None:
            self.replaced_sid = self.stored_sid
        self._sid = new_session_id()
        self.modified = True


class ServerSideSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, secret_key: str, idle_timeout: float, *, cookie_name: str,
                 secure: bool, clock=time.time):
        self.store = store
        self.cookie_name = cookie_name
        self.secure = secure
        self.idle_timeout = idle_timeout
        self.clock = clock
        # itsdangerous derives the signing key from the secret and salt on every call; derive it once.
        key = Signer(secret_key, salt="cognito-rp.session-id", digest_method=hashlib.sha256).derive_key()
        self.signer = Signer(key, key_derivation="none", digest_method=hashlib.sha256)
        # A signature check depends only on the cookie and the key, so each cookie is checked (and
        # its store key hashed) once per worker, not on every request (lru_cache: bounded, thread-safe).
        self._session_ids = functools.lru_cache(maxsize=_VERIFIED_COOKIES)(self._verify)

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        cookie = request.cookies.get(self.cookie_name)
        if not cookie:
            return ServerSideSession()
        ids = self._session_ids(cookie)
        if ids is None:
            log.warning("session cookie rejected: bad signature")
            return _forgetting_the_cookie(ServerSideSession())
        sid, key = ids
        try:
            entry = self.store.get(key)
            if entry is None:  # signed out, timed out or never stored: a new session, under a new id
                return _forgetting_the_cookie(ServerSideSession())
            session = ServerSideSession(entry.value, sid=sid, expires_at=entry.expires_at)
            self._touch(session, key)
        except StoreUnavailable as error:
            # Raised here, Flask would answer with the host's 500 page; the extension's
            # before_request raises it again, where its own handler answers 503.
            session = ServerSideSession()
            session.unavailable = error
        return session

    def _verify(self, cookie: str) -> tuple[str, str] | None:
        """The session id in a signed cookie and its store key, or None when the signature is wrong."""
        try:
            sid = self.signer.unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        return sid, store_key(sid)

    def save_session(self, app: Flask, session: ServerSideSession | None, response: Response) -> None:
        if session is None or session.unavailable is not None:  # the error handler answered already
            return
        try:
            self._save(session, response)
        except StoreUnavailable as error:  # the store failed after the view ran: say so, set no cookie
            log_event("session_store_unavailable", logging.ERROR, detail=f"session not saved: {error}", stage="save")
            _answer_store_down(response)

    def _save(self, session: ServerSideSession, response: Response) -> None:
        if session.replaced_sid:
            self.store.delete(store_key(session.replaced_sid))
        if not session:  # nothing to keep: an anonymous request writes no entry
            ended = session.stored_sid is not None and session.modified  # emptied in this request
            if ended:
                self.store.delete(store_key(session.stored_sid))
            if ended or session.stale_cookie:
                self._delete_cookie(response)
            return
        if session.modified:
            if not self.commit(session):
                self._delete_cookie(response)  # ended by another request meanwhile: it stays ended
                return
            self._set_cookie(session, response)
        if session.accessed:
            _vary_on_cookie(response)

    def commit(self, session: ServerSideSession) -> bool:
        """Write the session now; also used mid-request (after a token refresh) so concurrent requests see it.

        False, and nothing written, when the session was loaded from an entry that is gone.
        """
        ttl = self._ttl(session)
        key = store_key(session.sid)
        if session.sid == session.stored_sid:
            written = self.store.replace(key, dict(session), ttl)
        else:
            written = self.store.add(key, dict(session), ttl)
            if written:
                session.stored_sid = session.sid
        if written:
            session.expires_at = self.clock() + ttl
            session.modified = False
        return written

    def reload(self, session: ServerSideSession) -> None:
        """Replace the in-memory data with what the store holds now (another request may have written)."""
        entry = self.store.get(store_key(session.sid))
        dict.clear(session)
        if entry is None:
            session.stale_cookie = True
        else:
            dict.update(session, entry.value)
            session.expires_at = entry.expires_at

    def _ttl(self, session: ServerSideSession) -> float:
        absolute = session.get(ABSOLUTE_EXPIRY_KEY)
        if isinstance(absolute, (int, float)):
            return max(1.0, min(self.idle_timeout, absolute - self.clock()))
        return max(1.0, self.idle_timeout)

    def _touch(self, session: ServerSideSession, key: str) -> None:
        """Slide the idle expiry without rewriting the data, at most once a minute (not a write per request)."""
        now = self.clock()
        touch_after = min(_TOUCH_AFTER, self.idle_timeout / 4)
        if now + self.idle_timeout - session.expires_at < touch_after:
            return  # the entry's expiry is recent enough (a TTL is never longer than the idle timeout)
        ttl = self._ttl(session)
        if now + ttl - session.expires_at >= touch_after and self.store.touch(key, ttl):
            session.expires_at = now + ttl

    def _set_cookie(self, session: ServerSideSession, response: Response) -> None:
        absolute = session.get(ABSOLUTE_EXPIRY_KEY)
        response.set_cookie(
            self.cookie_name,
            self.signer.sign(session.sid).decode(),
            expires=absolute if isinstance(absolute, (int, float)) else None,
            httponly=True,
            secure=self.secure,
            samesite="Lax",
            path="/",
        )

    def _delete_cookie(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, httponly=True, secure=self.secure, samesite="Lax", path="/")


def _answer_store_down(response: Response) -> None:
    """Turn the view's answer into a plain 503: whatever it said rests on a session that was not saved."""
    response.status_code = 503
    response.headers.pop("Set-Cookie", None)
    response.headers.pop("Location", None)
    response.set_data("The session store is not answering. Please try again in a moment.\n")
    response.mimetype = "text/plain"


def _forgetting_the_cookie(session: ServerSideSession) -> ServerSideSession:
    session.stale_cookie = True
    return session


def _vary_on_cookie(response: Response) -> None:
    """Vary: Cookie, as Flask's own sessions send. Appended as a field line of its own, which HTTP
    combines with any Vary the view set (RFC 9110 5.3); response.vary would parse and rewrite it."""
    response.headers.add("Vary", "Cookie")
