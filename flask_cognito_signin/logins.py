"""The logins this app knows: where each user is signed in, and which logins it ended.

A login is one authentication at a provider. Cognito stamps every token of it, the
refreshed ones too, with the same `origin_jti` (Cognito developer guide, "Understanding the
access token" and "Understanding the identity (ID) token"). Access tokens are checked
locally, so a copy of one would outlive the sign-out; a login ended here is therefore kept,
by provider and origin_jti, until the last access token this app got of it has expired (and
the clock skew that validation allows), and bearer tokens of it are refused until then.
Tokens of logins this app never saw (a token another app signed in for) cannot be known
here, and a provider without origin_jti gives nothing to refuse by.

Why not as long as the refresh token lives (Cognito: 1 hour to 10 years, 30 days by default,
and not told to the app)? Tokens minted after the sign-out need the login's refresh token,
which the sign-out revokes at the provider (and `flask cognito sessions end --global` kills
at the pool). Only if that revocation fails (logged: revocation_failed) could a thief of the
refresh token mint tokens this list no longer refuses; keeping an entry per sign-out for the
refresh token's lifetime would buy that little at the price of a store that grows for years.

Each user's sessions are a set in the store under the provider and `sub` (a user name can
be given to somebody else), so that signing out everywhere finds them on every device.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable

from .oidc.tokens import CLOCK_SKEW
from .sessions import SessionStore

_SESSIONS_OF = "user-sessions:"
_ENDED = "ended-login:"


class Logins:
    def __init__(self, store: SessionStore, clock: Callable[[], float] = time.time):
        self.store = store
        self.clock = clock

    # Each user's sessions ----------------------------------------------------------------

    def session_started(self, provider: str, sub: str, session_key: str, lifetime: float) -> None:
        """Count the session (by its store key) among the user's until it can end at the latest."""
        self.store.add_member(_sessions_key(provider, sub), session_key, lifetime)

    def session_ended(self, provider: str, sub: str, session_key: str) -> None:
        self.store.remove_member(_sessions_key(provider, sub), session_key)

    def sessions_of(self, provider: str, sub: str) -> list[str]:
        """The store keys of the user's sessions; some may have timed out since (their entries are gone)."""
        return self.store.members(_sessions_key(provider, sub))

    def users(self) -> list[tuple[str, str]]:
        """(provider, sub) of every user with a session here: for operators, it reads the whole index."""
        return [tuple(key[len(_SESSIONS_OF):].split(":", 1)) for key in self.store.set_keys(_SESSIONS_OF)]

    # Ended logins ------------------------------------------------------------------------

    def login_ended(self, provider: str, origin_jti: str | None, tokens_expire_at: float) -> None:
        """Refuse the login's tokens until `tokens_expire_at`, plus the clock skew that validation
        allows past exp: the expiry of its latest access token, which this app got (by sign-in or
        refresh) after every other token of the login it held."""
        if not origin_jti:
            return
        ttl = tokens_expire_at + CLOCK_SKEW - self.clock()
        if ttl > 0:
            self.store.put(_ended_key(provider, origin_jti), {"until": tokens_expire_at + CLOCK_SKEW}, ttl)

    def has_ended(self, provider: str, origin_jti: object) -> bool:
        """Whether this app ended the login that a token with this origin_jti belongs to."""
        if not isinstance(origin_jti, str) or not origin_jti:
            return False
        return self.store.get(_ended_key(provider, origin_jti)) is not None


def _sessions_key(provider: str, sub: str) -> str:
    return f"{_SESSIONS_OF}{provider}:{sub}"  # aliases hold no ":" (settings), so the key splits back


@functools.lru_cache(maxsize=4096)  # asked on every bearer request, of the few logins an API sees
def _ended_key(provider: str, origin_jti: str) -> str:
    """Hashed: a fixed-length key whatever the token holds."""
    return _ENDED + hashlib.sha256(f"{provider}\n{origin_jti}".encode()).hexdigest()
