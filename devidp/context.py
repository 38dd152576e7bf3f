"""The per-app emulator state that views reach through ``current_emulator()``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .config import PoolConfig
from .keys import SigningKeys
from .oauth import CognitoAuthorizationServer, UserInfoProtector
from .store import MemoryStore
from .tokens import TokenFactory

EXTENSION_KEY = "devidp"


@dataclass(frozen=True)
class Emulator:
    pool: PoolConfig
    #: Public origin, e.g. http://127.0.0.1:9229; every URL we emit uses it.
    base_url: str
    keys: SigningKeys
    store: MemoryStore
    tokens: TokenFactory
    server: CognitoAuthorizationServer
    userinfo: UserInfoProtector

    @property
    def issuer(self) -> str:
        return self.tokens.issuer

    def url(self, path: str) -> str:
        return self.base_url + path


def current_emulator() -> Emulator:
    return current_app.extensions[EXTENSION_KEY]
