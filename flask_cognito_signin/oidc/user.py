"""Who is calling: a person (User, from the ID token and userinfo, or an access token) or a machine client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Claims that Cognito's userinfo endpoint returns as the strings "true"/"false".
_BOOLEAN_CLAIMS = ("email_verified", "phone_number_verified")


def normalise_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """Claims with Cognito's string booleans turned into real ones."""
    normalised = dict(claims)
    for name in _BOOLEAN_CLAIMS:
        value = normalised.get(name)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            normalised[name] = value.lower() == "true"
    return normalised


@dataclass(frozen=True)
class User:
    sub: str
    username: str
    email: str | None
    email_verified: bool | None
    groups: tuple[str, ...]
    #: The ID token's claims, as validated; read-only, as one User serves many requests.
    claims: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: What userinfo added beyond the ID token (custom attributes, a non-Cognito provider's
    #: profile), kept apart so that nobody takes it for a signed claim.
    userinfo: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: The alias of the provider that vouches for this user ("cognito", or a providers file's
    #: [providers.<alias>]): a sub, a user name and a group are names at that provider only.
    provider: str = ""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_client(self) -> bool:
        return False

    @classmethod
    def from_claims(cls, id_claims: Mapping[str, Any], userinfo: Mapping[str, Any] | None = None, *,
                    provider: str) -> User:
        """Profile fields from the ID token first, then userinfo (whose sub the caller has matched)."""
        merged = {**normalise_claims(userinfo or {}), **normalise_claims(id_claims)}
        groups = merged.get("cognito:groups") or merged.get("groups") or []
        verified = merged.get("email_verified")
        return cls(
            sub=str(id_claims["sub"]),
            username=str(
                merged.get("cognito:username") or merged.get("username") or merged.get("preferred_username")
                or id_claims["sub"]
            ),
            email=merged.get("email") if isinstance(merged.get("email"), str) else None,
            email_verified=verified if isinstance(verified, bool) else None,
            groups=tuple(str(group) for group in groups) if isinstance(groups, list) else (),
            claims=MappingProxyType(dict(id_claims)),
            userinfo=MappingProxyType(
                {name: value for name, value in normalise_claims(userinfo or {}).items() if name not in id_claims}
            ),
            provider=provider,
        )

    def as_dict(self) -> dict[str, Any]:
        return {"sub": self.sub, "username": self.username, "email": self.email, "email_verified": self.email_verified,
                "groups": list(self.groups), "claims": dict(self.claims), "userinfo": dict(self.userinfo)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, provider: str) -> User:
        """A stored user of `provider` (its record names it); records written before userinfo was kept have none."""
        return cls(data["sub"], data["username"], data["email"], data["email_verified"], tuple(data["groups"]),
                   MappingProxyType(dict(data["claims"])), MappingProxyType(dict(data.get("userinfo", {}))), provider)


@dataclass(frozen=True)
class Client:
    """An app client calling for itself (the client_credentials grant): a program, not a person.

    It has User's fields, empty where a person's would be, so that guards and views treat both
    alike: it is authenticated, belongs to no group, and `is_client` tells them apart.
    """

    sub: str
    scopes: tuple[str, ...]
    claims: Mapping[str, Any]
    username: str = ""
    email: str | None = None
    email_verified: bool | None = None
    groups: tuple[str, ...] = ()
    userinfo: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: The alias of the provider that issued the client's token (see User.provider).
    provider: str = ""
    is_client: bool = True

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def client_id(self) -> str:
        return self.sub


def caller_of(access_claims: Mapping[str, Any], provider: str) -> User | Client:
    """Who an access token of `provider` (an alias) speaks for. A token with no resource owner
    (client_credentials) names the client as its subject and no user name: Cognito developer guide,
    "Understanding the access token" (client credentials tokens carry no username), and RFC 9068
    section 2.2 (sub is then the client's identifier)."""
    if access_claims.get("sub") == access_claims.get("client_id") and "username" not in access_claims:
        scope = access_claims.get("scope")
        return Client(str(access_claims["sub"]), tuple(scope.split()) if isinstance(scope, str) else (),
                      MappingProxyType(dict(access_claims)), provider=provider)
    return User.from_claims(access_claims, provider=provider)
