"""The one owner of what this app keeps about a browser: pending sign-ins, the user, the tokens.

Pending sign-ins are kept by the browser itself, each in an encrypted cookie
(pending_sign_ins), so a callback is accepted only in the browser that started it, and only
once; nothing is stored for a browser until its sign-in succeeds. The session then points at
an immutable AuthRecord (the user and the tokens, never sent to the browser) and keeps it
fresh: one request per session refreshes, under a lock in the store, while concurrent
requests of the same session wait for its result.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from flask import after_this_request, current_app, g, request, session
from werkzeug.wrappers import Response

from flask_cognito_signin.auth_records import AuthRecord, AuthRecords
from flask_cognito_signin.events import log_event
from flask_cognito_signin.logins import Logins
from flask_cognito_signin.oidc import GrantRejected, InvalidToken, OIDCError, Provider
from flask_cognito_signin.oidc.errors import RefreshUnavailable, SessionEnded
from flask_cognito_signin.oidc.refresh import refresh_tokens
from flask_cognito_signin.oidc.signin import PendingSignIn, SignIn
from flask_cognito_signin.oidc.token_endpoint import TokenSet
from flask_cognito_signin.oidc.user import User
from flask_cognito_signin.pending_sign_ins import PendingSignIns
from flask_cognito_signin.sessions import (
    ABSOLUTE_EXPIRY_KEY,
    ServerSideSession,
    ServerSideSessionInterface,
)
from flask_cognito_signin.sessions.interface import store_key
from flask_cognito_signin.state import signin_state

_LOCK_POLL = 0.05
#: Seconds a replaced record stays readable, for requests that loaded the session before a refresh.
_REPLACED_RECORD_GRACE = 60

_RECORD, _SIGNED_IN_AT = "auth_record", "signed_in_at"


class UserSession:
    def __init__(self, session: ServerSideSession, interface: ServerSideSessionInterface, records: AuthRecords,
                 max_age: float, pending: PendingSignIns):
        self.session = session
        self.interface = interface
        self.store = interface.store
        self.records = records
        self.pending = pending
        self.max_age = max_age
        self.clock = interface.clock
        self._record_id: str | None = None
        self._record: AuthRecord | None = None
        self.logins = Logins(self.store, self.clock)

    # Signing in and out ----------------------------------------------------------------

    def remember_pending(self, pending: PendingSignIn) -> None:
        """Keep `pending` in this browser (a cookie, see pending_sign_ins) until its callback."""
        cookies = request.cookies

        @after_this_request
        def set_cookie(response: Response) -> Response:
            self.pending.remember(pending, cookies, response, self.clock())
            return response

    def take_pending(self, state: str) -> PendingSignIn | None:
        """The sign-in this browser started with `state`; its cookie is deleted in this answer,
        whatever the callback's outcome, so that it works once."""
        name = self.pending.cookie_name(state)
        if name in request.cookies:
            @after_this_request
            def delete_cookie(response: Response) -> Response:
                self.pending.forget(name, response)
                return response
        return self.pending.take(state, request.cookies, self.clock())

    def sign_in(self, result: SignIn) -> AuthRecord | None:
        """Replace whatever the session held with the new user, under a new session id.

        A login this browser was already signed in with (a step-up, another user at the password
        prompt, a sign-in started again) ends here as a sign-out ends it: its bearer tokens are
        refused and its session leaves the user's. Its record is returned, for its refresh token
        to be revoked: nothing here could use that token again, and it would stay valid at the
        provider for its whole lifetime (Cognito: 30 days by default).
        """
        now = self.clock()
        replaced, replaced_sid = self.record, self.session.stored_sid
        record_id = self.records.save(AuthRecord(result.provider, result.user, result.tokens), self.max_age)
        if self._record_id:
            self.records.delete(self._record_id)
        self.session.clear()
        self.session.regenerate()
        self.session.update({_RECORD: record_id, _SIGNED_IN_AT: now, ABSOLUTE_EXPIRY_KEY: now + self.max_age})
        self.logins.session_started(result.provider, result.user.sub, store_key(self.session.sid), self.max_age)
        if replaced is not None:
            _end_login(self.logins, replaced, store_key(replaced_sid) if replaced_sid is not None else None)
        return replaced

    def sign_out(self) -> AuthRecord | None:
        """Forget the user now, for every request of this session; the ended record (whose provider
        must still be told) is returned. The entry is deleted, never rewritten: no request that
        loaded it earlier can bring it back (see ServerSideSession)."""
        ended = self.record
        if self.session.stored_sid is not None:
            self.store.delete(store_key(self.session.stored_sid))
        if self._record_id:
            self.records.delete(self._record_id)
        self.session.clear()
        if ended is not None:
            stored_sid = self.session.stored_sid
            _end_login(self.logins, ended, store_key(stored_sid) if stored_sid is not None else None)
        return ended

    # Reading ---------------------------------------------------------------------------

    @property
    def record(self) -> AuthRecord | None:
        """The session's current AuthRecord (looked up again only when the session points elsewhere)."""
        record_id = self.session.get(_RECORD)
        if record_id != self._record_id:
            self._record_id, self._record = record_id, self.records.get(record_id) if record_id else None
        return self._record

    @property
    def signed_in(self) -> bool:
        return self.record is not None

    @property
    def user(self) -> User | None:
        record = self.record
        return record.user if record else None

    @property
    def tokens(self) -> TokenSet | None:
        record = self.record
        return record.tokens if record else None

    @property
    def provider(self) -> str | None:
        record = self.record
        return record.provider if record else None

    @property
    def signed_in_at(self) -> float | None:
        return self.session.get(_SIGNED_IN_AT)

    @property
    def absolute_expires_at(self) -> float | None:
        """When the session ends whatever the user does."""
        return self.session.get(ABSOLUTE_EXPIRY_KEY)

    @property
    def access_token_expires_at(self) -> float | None:
        record = self.record
        return record.tokens.expires_at if record else None

    @property
    def idle_expires_at(self) -> float | None:
        """When the session ends if the user does nothing (the store entry's expiry)."""
        return self.session.expires_at

    # Keeping tokens fresh --------------------------------------------------------------

    def refresh_due(self, margin: float) -> bool:
        """Whether the access token expires within `margin` seconds."""
        expires_at = self.access_token_expires_at
        return expires_at is not None and expires_at - self.clock() <= margin

    def keep_fresh(self, provider: Provider, margin: float) -> None:
        """Refresh the tokens when the access token expires within `margin` seconds.

        Raises SessionEnded when the provider refuses (the session is gone), and
        RefreshUnavailable when it cannot answer and the access token has expired.
        """
        if not self.refresh_due(margin):
            return
        lock = "lock:refresh:" + store_key(self.session.sid)
        owner = {"owner": secrets.token_urlsafe(16)}
        if self.store.add(lock, owner, ttl=2 * provider.timeout + 1):
            try:
                self.interface.reload(self.session)  # another request may have refreshed before we locked
                if self.refresh_due(margin):
                    self._refresh(provider)
            finally:
                self.store.release(lock, owner)  # not a lock that outlived its TTL and is now another's
        else:
            self._wait_for(lock, provider.timeout + 1)
            self.interface.reload(self.session)
        if not self.signed_in:
            raise SessionEnded("another request ended the session")
        if self.tokens.expires_at <= self.clock():
            raise RefreshUnavailable("the access token expired and was not refreshed")

    def _refresh(self, provider: Provider) -> None:
        tokens, user = self.tokens, self.user
        if not tokens.refresh_token:
            if tokens.expires_at <= self.clock():
                self.sign_out()
                raise SessionEnded("the access token expired and there is no refresh token")
            return
        try:
            refreshed = refresh_tokens(provider, tokens, user)
        except (GrantRejected, InvalidToken) as error:
            log_event("refresh_failed", logging.WARNING, error.explanation, provider=provider.alias,
                      reason=error.code, detail=error.detail, signed_out=True)
            self.sign_out()
            raise SessionEnded(error.detail) from error
        except OIDCError as error:
            log_event("refresh_failed", logging.WARNING, error.explanation, provider=provider.alias,
                      reason=error.code, detail=error.detail, kept_until=int(tokens.expires_at))
            return
        self.replace_record(AuthRecord(provider.alias, refreshed.user, refreshed.tokens))
        log_event("refresh", provider=provider.alias, sub=user.sub)

    def replace_record(self, record: AuthRecord) -> None:
        """Point the session at `record`, the same sign-in with new tokens, for every request from now on.

        A refresh does this, and so does flask_cognito_signin.testing's expire_tokens. Raises
        SessionEnded, keeping nothing, when another request signed the session out meanwhile.
        """
        replaced = self.session[_RECORD]
        lifetime = max(1.0, self.absolute_expires_at - self.clock())
        record_id = self.records.save(record, lifetime)
        self.session[_RECORD] = record_id
        if not self.interface.commit(self.session):  # signed out by another request meanwhile
            self.records.delete(record_id)
            self.session.clear()
            raise SessionEnded("the session ended while its tokens were refreshed")
        self.records.retire(replaced, _REPLACED_RECORD_GRACE)

    def _wait_for(self, lock: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.store.get(lock) is not None and time.monotonic() < deadline:
            time.sleep(_LOCK_POLL)


def _end_login(logins: Logins, ended: AuthRecord, session_key: str | None) -> None:
    """A login ended here: its bearer tokens are refused from now on, and its session leaves the user's."""
    logins.login_ended(ended.provider, ended.user.claims.get("origin_jti"), ended.tokens.expires_at)
    if session_key is not None:
        logins.session_ended(ended.provider, ended.user.sub, session_key)


# Every session of a user (signing out everywhere) -----------------------------------------

@dataclass(frozen=True)
class StoredSession:
    """One of a user's sessions as the store holds it, whichever browser it belongs to."""

    key: str
    record: AuthRecord
    signed_in_at: float | None
    expires_at: float


def sessions_of(logins: Logins, records: AuthRecords, provider: str, sub: str) -> list[StoredSession]:
    """The user's sessions that are still alive; those that timed out leave the user's set."""
    alive = []
    for key in logins.sessions_of(provider, sub):
        entry = logins.store.get(key)
        record_id = entry.value.get(_RECORD) if entry else None
        record = records.get(record_id) if record_id else None
        if record is None:
            logins.session_ended(provider, sub, key)
            continue
        alive.append(StoredSession(key, record, entry.value.get(_SIGNED_IN_AT), entry.expires_at))
    return alive


def end_sessions_of(logins: Logins, records: AuthRecords, provider: str, sub: str) -> list[AuthRecord]:
    """End every session of the user, on every device: the next request of each is signed out, and
    their bearer tokens are refused. The ended records are returned (their refresh tokens are still
    to be revoked). Each entry is taken, not read then deleted, so that a request of that session
    writing meanwhile cannot bring it back (see ServerSideSession)."""
    ended = []
    for key in logins.sessions_of(provider, sub):
        value = logins.store.take(key)
        record_id = value.get(_RECORD) if value else None
        record = records.get(record_id) if record_id else None
        if record is None:  # timed out, or signed out meanwhile
            logins.session_ended(provider, sub, key)
            continue
        records.delete(record_id)
        _end_login(logins, record, key)
        ended.append(record)
    return ended


def current_user_session() -> UserSession:
    """This request's UserSession, made once per request."""
    request_globals = g._get_current_object()  # one context lookup instead of one per attribute
    user_session = request_globals.get("user_session")
    if user_session is None:
        app = current_app._get_current_object()
        state = signin_state(app)
        user_session = request_globals.user_session = UserSession(
            session._get_current_object(), app.session_interface, state.auth_records, state.settings.session_max_age,
            state.pending_sign_ins,
        )
    return user_session
