"""The pool's users while the emulator runs: those of the pool file, changed by the admin API.

Every change builds a new, fully validated PoolConfig (password policy, unique names and
subs, generated user names in email pools), so a user added while running obeys the rules
of one read from the file. Readers take ``directory.pool`` without a lock: the reference
swap is atomic, and a snapshot never changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from .config import (
    CONFIRMED,
    EXTERNAL_PROVIDER,
    ConfigError,
    FORCE_CHANGE_PASSWORD,
    FederatedIdentity,
    IdentityProvider,
    PoolConfig,
    User,
)


_USER_FIELDS = ("email", "email_verified")


class UserNotFound(LookupError):
    """No user by that name."""


class NameTaken(Exception):
    """A provider's account would get the name of a user who is not that account."""


class UserDirectory:
    """``sign_out(username)`` ends the user's sessions and revokes its tokens; it runs
    when a user is disabled or deleted. ``revoke_tokens(username)`` revokes its tokens
    only (a global sign-out). ``changed(pool)``, if given, gets each new pool, one change
    at a time (to save it, say). ``forget(username)`` drops what is kept of a deleted user
    beyond the pool (its passkeys)."""

    def __init__(
        self,
        pool: PoolConfig,
        sign_out: Callable[[str], None],
        revoke_tokens: Callable[[str], None],
        changed: Callable[[PoolConfig], None] | None = None,
        forget: Callable[[str], None] = lambda username: None,
    ):
        self._pool = pool
        self._sign_out = sign_out
        self._revoke_tokens = revoke_tokens
        self._changed = changed
        self._forget = forget
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
        self._forget(user.username)

    def disable(self, name: str) -> User:
        """AdminDisableUser: "deactivates a user and revokes all access tokens for the
        user. A deactivated user can't sign in"; its refresh tokens stop working too."""
        user = self._change(name, enabled=False)
        self._sign_out(user.username)
        return user

    def global_sign_out(self, name: str) -> User:
        """AdminUserGlobalSignOut (Cognito API reference): the user's refresh tokens stop
        working, and the pool refuses the access tokens of those sign-ins (userInfo); tokens
        checked elsewhere stay valid until they expire. It "doesn't clear the managed login
        session cookie": the hosted-UI session stays, as it does at Cognito."""
        user = self.get(name)
        self._revoke_tokens(user.username)
        return user

    def enable(self, name: str) -> User:
        """AdminEnableUser: the user can sign in again (revoked tokens stay revoked)."""
        return self._change(name, enabled=True)

    def set_password(self, name: str, password: str, permanent: bool = True) -> User:
        """AdminSetUserPassword: the pool's password policy applies; a temporary
        password (Permanent false) makes the user FORCE_CHANGE_PASSWORD, and the
        user's choice of a new one at sign-in (RespondToAuthChallenge) CONFIRMED."""
        if self.get(name).is_federated:
            raise ConfigError("password: a user of an identity provider signs in there, with none")
        status = CONFIRMED if permanent else FORCE_CHANGE_PASSWORD
        return self._change(name, password=password, status=status)

    def set_groups(self, name: str, groups: Iterable[str]) -> User:
        """AdminAddUserToGroup / AdminRemoveUserFromGroup, as the whole list: tokens
        issued from now on (the next refresh) carry the new cognito:groups."""
        return self._change(name, groups=tuple(groups))

    def federate(
        self,
        provider: IdentityProvider,
        user_id: str,
        attributes: Mapping[str, str | bool],
        now_ms: int,
    ) -> User:
        """The user for the account ``user_id`` at ``provider``, after a sign-in there.

        Cognito developer guide, "OIDC user pool IdP authentication flow" and "Specifying
        identity provider attribute mappings": the first sign-in creates the user
        ``<ProviderName>_<sub>`` (EXTERNAL_PROVIDER, in the ``<poolId>_<ProviderName>``
        group); each sign-in sets the mapped ``attributes`` again and leaves the others,
        the groups an administrator gave, and the user's enabled flag alone.

        "Linking federated users to an existing user profile": an account signs in to an
        existing user only if that user is linked to it, so a user of that name who is not
        this account (a native user, whose password and groups are not the provider's to
        give) raises NameTaken.
        """
        username = f"{provider.name}_{user_id}"
        # email and email_verified are fields of a User, the other attributes a table.
        own: dict[str, Any] = {k: v for k, v in attributes.items() if k in _USER_FIELDS}
        others = {k: v for k, v in attributes.items() if k not in _USER_FIELDS}
        with self._lock:
            group = self._pool.provider_group(provider)
            existing = self._pool.user(username)
            if existing is not None and not _is_account(existing, provider, user_id):
                raise NameTaken(f"{existing.username} is a user of the pool, not {provider.name}'s account {user_id}")
            if existing is None:
                identity = FederatedIdentity(provider.name, user_id, date_created=now_ms)
                created = User(
                    username=username,
                    status=EXTERNAL_PROVIDER,
                    identities=(identity,),
                    groups=(group,),
                    attributes=others,
                    **own,
                )
                self._rebuild([*self._sources(), created])
            else:
                groups = existing.groups if group in existing.groups else (*existing.groups, group)
                updated = replace(
                    existing, groups=groups, attributes={**existing.attributes, **others}, **own
                )
                self._rebuild(
                    updated if u is existing else s
                    for u, s in zip(self._pool.users, self._sources())
                )
            return self._pool.user(username)

    def _change(self, name: str, **changes: Any) -> User:
        with self._lock:
            user = self.get(name)
            self._rebuild(
                replace(s, **changes) if u is user else s
                for u, s in zip(self._pool.users, self._sources())
            )
            return self._pool.user(user.username)

    def _sources(self) -> list[User]:
        """The users as a pool file gives them: without the user names that email pools generate
        (those of identity providers' users are never generated)."""
        if not self._pool.username_attributes:
            return list(self._pool.users)
        return [u if u.is_federated else replace(u, username=None) for u in self._pool.users]

    def _rebuild(self, users: Iterable[User]) -> None:
        """Validate the whole pool with these users; on a ConfigError nothing changes. The caller holds the lock."""
        self._pool = replace(self._pool, users=tuple(users))
        if self._changed is not None:
            self._changed(self._pool)


def _is_account(user: User, provider: IdentityProvider, user_id: str) -> bool:
    """Whether ``user`` is the pool's user of the account ``user_id`` at ``provider``."""
    return user.is_federated and any(
        identity.provider_name == provider.name and identity.user_id == user_id
        for identity in user.identities
    )
