"""Signing out beyond this browser: a login's refresh token revoked at its provider, and a user's
every session in this app ended at once ("sign out everywhere"), for the web view and the CLI.

A revocation is best effort: it is logged when it fails, and the sign-out here stands.
"""

from __future__ import annotations

import logging

from .auth_records import AuthRecord
from .events import log_event
from .logins import Logins
from .oidc import OIDCError, Provider
from .oidc.signout import revoke_refresh_token
from .state import SignInState
from .user_session import StoredSession, end_sessions_of, sessions_of


def revoke_quietly(provider: Provider, refresh_token: str | None) -> None:
    """Revoke the refresh token (at Cognito, with its access tokens); failures are only logged."""
    if not refresh_token:
        return
    try:
        if not revoke_refresh_token(provider, refresh_token):
            log_event("revocation_skipped", provider=provider.alias, reason="no revocation endpoint")
    except OIDCError as error:
        log_event("revocation_failed", logging.WARNING, error.explanation, provider=provider.alias,
                  reason=error.code, detail=error.detail)


def revoke_login_quietly(state: SignInState, ended: AuthRecord) -> None:
    """Revoke an ended login's refresh token at the provider that issued it, if that one is still configured."""
    provider = state.providers.get(ended.provider)
    if provider is not None:
        revoke_quietly(provider, ended.tokens.refresh_token)


def sign_out_everywhere(state: SignInState, provider: str, sub: str) -> list[AuthRecord]:
    """End every session of the user (provider and sub) in this app and revoke their refresh tokens."""
    ended = end_sessions_of(Logins(state.store), state.auth_records, provider, sub)
    for record in ended:
        revoke_login_quietly(state, record)
    log_event("logout_everywhere", provider=provider, sub=sub, sessions=len(ended))
    return ended


def signed_in_sessions(state: SignInState) -> list[StoredSession]:
    """Every live session in this app, user by user: for operators (it reads the whole index)."""
    logins = Logins(state.store)
    return [session for provider, sub in logins.users()
            for session in sessions_of(logins, state.auth_records, provider, sub)]
