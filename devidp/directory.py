"""The pool's users while the emulator runs: those of the pool file, changed by the admin API.

Every change builds a new, fully validated PoolConfig (password policy, unique names and
subs, generated user names in email pools), so a user added while running obeys the rules
of one read from the file. Readers take ``directory.pool`` without a lock: the reference
swap is atomic, and a snapshot never changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from .config import CONFIRMED, FORCE_CHANGE_PASSWORD, PoolConfig, User


class UserNotFound(LookupError):
    """No user by that name."""


class UserDirectory:
    """``sign_out(username)`` ends the user's sessions and revokes its tokens; it runs
    when a user is disabled or deleted."""

    def __init__(self, pool: PoolConfig, sign_out: Callable[[str], None]):
        self._pool = pool
        self._sign_out = sign_out
        self._lock = threading.Lock()

    @property
    def pool(self) -> PoolConfig:
        return self._pool

    def get(self, name: str) -> User:
        user = self._pool.find(name)
        if user is None:
            raise UserNotFound(name)
        return user

    def add(self, user: User) -> User:
        """Cognito API reference: AdminCreateUser (here with its password given)."""
        with self._lock:
            self._rebuild([*self._sources(), user])
            return self._pool.users[-1]

    def delete(self, name: str) -> None:
        """AdminDeleteUser: the user, its sessions and its refresh tokens are gone."""
        with self._lock:
            user = self.get(name)
            self._rebuild(s for u, s in zip(self._pool.users, self._sources()) if u is not user)
        self._sign_out(user.username)

    def disable(self, name: str) -> User:
        """AdminDisableUser: "deactivates a user and revokes all access tokens for the
        user. A deactivated user can't sign in"; its refresh tokens stop working too."""
        user = self._change(name, enabled=False)
        self._sign_out(user.username)
        return user

    def enable(self, name: str) -> User:
        """AdminEnableUser: the user can sign in again (revoked tokens stay revoked)."""
        return self._change(name, enabled=True)

    def set_password(self, name: str, password: str, permanent: bool = True) -> User:
        """AdminSetUserPassword: the pool's password policy applies; a temporary
        password (Permanent false) makes the user FORCE_CHANGE_PASSWORD, and the
        user's choice of a new one at sign-in (RespondToAuthChallenge) CONFIRMED."""
        status = CONFIRMED if permanent else FORCE_CHANGE_PASSWORD
        return self._change(name, password=password, status=status)

    def set_groups(self, name: str, groups: Iterable[str]) -> User:
        """AdminAddUserToGroup / AdminRemoveUserFromGroup, as the whole list: tokens
        issued from now on (the next refresh) carry the new cognito:groups."""
        return self._change(name, groups=tuple(groups))

    def _change(self, name: str, **changes: Any) -> User:
        with self._lock:
            user = self.get(name)
            self._rebuild(
                replace(s, **changes) if u is user else s
                for u, s in zip(self._pool.users, self._sources())
            )
            return self._pool.user(user.username)

    def _sources(self) -> list[User]:
        """The users as a pool file gives them: without the user names that email pools generate."""
        if not self._pool.username_attributes:
            return list(self._pool.users)
        return [replace(u, username=None) for u in self._pool.users]

    def _rebuild(self, users: Iterable[User]) -> None:
        """Validate the whole pool with these users; on a ConfigError nothing changes."""
        self._pool = replace(self._pool, users=tuple(users))
