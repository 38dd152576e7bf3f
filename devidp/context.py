"""The per-app emulator state that views reach through ``current_emulator()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from .config import PoolConfig
from .directory import UserDirectory
from .keys import SigningKeys
from .oauth import CognitoAuthorizationServer, UserInfoProtector
from .passkey_store import PasskeyStore
from .store import MemoryStore
from .tokens import TokenFactory
from .upstream import UpstreamProvider

EXTENSION_KEY = "devidp"


@dataclass(frozen=True)
class Emulator:
    #: The pool's users as they are now (the admin API changes them).
    directory: UserDirectory
    #: The issuer's public origin (Cognito's cognito-idp host), e.g. http://127.0.0.1:9229.
    issuer_base_url: str
    #: The pool domain's public origin, e.g. http://127.0.0.1:9230: every
    #: hosted-UI and OAuth endpoint URL we emit is on it.
    domain_url: str
    keys: SigningKeys
    store: MemoryStore
    tokens: TokenFactory
    server: CognitoAuthorizationServer
    userinfo: UserInfoProtector
    #: The pool's identity providers by name, as this pool's relying party toward each.
    upstreams: Mapping[str, UpstreamProvider]
    #: The users' passkeys and the ceremonies under way (passkeys.py).
    passkeys: PasskeyStore
    #: The passkeys' WebAuthn relying party id; None when the pool offers no passkeys.
    relying_party_id: str | None

    @property
    def pool(self) -> PoolConfig:
        """The pool as it is now: take it once per request for a consistent view."""
        return self.directory.pool

    @property
    def issuer(self) -> str:
        return self.tokens.issuer

    def url(self, path: str) -> str:
        """``path`` on the pool's domain."""
        return self.domain_url + path


def current_emulator() -> Emulator:
    return current_app.extensions[EXTENSION_KEY]
