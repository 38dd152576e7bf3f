"""The relying party's domain: discovery, sign-in, token rules, sign-out. No Flask request globals."""

from .errors import (
    AuthorizationDenied,
    ClientRejected,
    GrantRejected,
    InvalidCallback,
    InvalidToken,
    OIDCError,
    ProviderBadResponse,
    ProviderConfigurationError,
    ProviderTimeout,
    ProviderUnavailable,
)
from .provider import Provider

__all__ = [
    "AuthorizationDenied",
    "ClientRejected",
    "GrantRejected",
    "InvalidCallback",
    "InvalidToken",
    "OIDCError",
    "Provider",
    "ProviderBadResponse",
    "ProviderConfigurationError",
    "ProviderTimeout",
    "ProviderUnavailable",
]
