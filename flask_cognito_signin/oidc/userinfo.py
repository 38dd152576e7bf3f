"""The userinfo endpoint: extra profile claims, trusted only for the user the ID token names."""

from __future__ import annotations

import logging
from typing import Any

from .errors import OIDCError
from .provider import Provider
from .user import normalise_claims

log = logging.getLogger(__name__)


def fetch_userinfo(provider: Provider, access_token: str, expected_sub: str) -> dict[str, Any]:
    """Userinfo claims for `expected_sub`, or {} when the provider has none, fails, or names someone else.

    The ID token already proves who signed in; userinfo only completes the profile, so its
    failure costs a few claims, not the sign-in.
    """
    endpoint = provider.metadata().userinfo_endpoint
    if not endpoint:
        return {}
    try:
        claims = provider.get_json(endpoint, "userinfo", headers={"Authorization": f"Bearer {access_token}"})
    except OIDCError as error:
        log.warning("userinfo not used: %s", error.explanation)
        return {}
    if claims.get("sub") != expected_sub:
        # OIDC Core 5.3.4: a userinfo response about another subject must not be used.
        log.warning("userinfo not used: its sub does not match the ID token's")
        return {}
    return normalise_claims(claims)
