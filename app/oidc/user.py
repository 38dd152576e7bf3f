"""Who signed in: typed fields read from the ID token, completed by userinfo."""

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

    @property
    def is_authenticated(self) -> bool:
        return True

    @classmethod
    def from_claims(cls, id_claims: Mapping[str, Any], userinfo: Mapping[str, Any] | None = None) -> User:
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
        )

    def as_dict(self) -> dict[str, Any]:
        return {"sub": self.sub, "username": self.username, "email": self.email, "email_verified": self.email_verified,
                "groups": list(self.groups), "claims": dict(self.claims), "userinfo": dict(self.userinfo)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> User:
        """A stored user; records written before userinfo was kept have none."""
        return cls(data["sub"], data["username"], data["email"], data["email_verified"], tuple(data["groups"]),
                   MappingProxyType(dict(data["claims"])), MappingProxyType(dict(data.get("userinfo", {}))))
