"""Who the load balancer signed in: the User of a request's x-amzn-oidc-* headers, or nobody, never a guess.

Elastic Load Balancing user guide, "User claims encoding and signature verification": the ALB
adds x-amzn-oidc-data (the userinfo claims, signed: user_claims), x-amzn-oidc-accesstoken
(the access token, in plain text) and x-amzn-oidc-identity (the subject, in plain text) to
every request it forwards, and removes whatever a client sent under those names. Here:

- no x-amzn-oidc-* header at all: nobody is signed in (an ALB rule with
  OnUnauthenticatedRequest=allow forwards such requests);
- x-amzn-oidc-data verified, and the access token valid like a bearer token (this pool, this
  app client) for the same subject, as is x-amzn-oidc-identity: that user, with the groups
  of the access token (Cognito's userinfo has none);
- anything else, a header alone or any check failing: the request is refused (401), never
  taken for anonymous, nor for the user of a session this app might still hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_cognito_signin.oidc import InvalidToken, Provider
from flask_cognito_signin.oidc.tokens import validate_access_token
from flask_cognito_signin.oidc.user import User
from flask_cognito_signin.settings import LoadBalancerSettings

from .public_keys import LoadBalancerKeys
from .user_claims import ALBClaimsRefused, verify_user_claims

DATA_HEADER = "X-Amzn-Oidc-Data"
ACCESS_TOKEN_HEADER = "X-Amzn-Oidc-Accesstoken"
IDENTITY_HEADER = "X-Amzn-Oidc-Identity"


@dataclass(frozen=True)
class LoadBalancerIdentity:
    """A request the load balancer signed in: who, with which provider's groups and scopes, and when the
    forwarded access token expires (the ALB refreshes it; each x-amzn-oidc-data lives much shorter)."""

    user: User
    provider: str
    #: The forwarded access token's scopes, as a bearer token's are (scopes_required counts them).
    scopes: frozenset[str]
    expires_at: int


class LoadBalancerSignIn:
    """The ALB in front of this app, with its keys; `provider` is the user pool of its listener rule."""

    def __init__(self, settings: LoadBalancerSettings, provider: Provider, timeout: float):
        self.settings = settings
        self.provider = provider
        # The clock is read through the provider: tests replace it after construction.
        self.keys = LoadBalancerKeys(settings.public_keys_url, timeout, lambda: provider.clock())

    def identify(self, headers: Mapping[str, str]) -> LoadBalancerIdentity | None:
        """The person these request headers say the ALB signed in; None for none. Raises ALBClaimsRefused
        for headers no ALB of this app sent, ALBKeysUnavailable or another OIDCError when they cannot be checked."""
        data = headers.get(DATA_HEADER)
        if data is None:
            if headers.get(ACCESS_TOKEN_HEADER) is not None or headers.get(IDENTITY_HEADER) is not None:
                raise ALBClaimsRefused("x-amzn-oidc-accesstoken or -identity without x-amzn-oidc-data")
            return None
        provider = self.provider
        client_id = provider.settings.client_id
        verified = verify_user_claims(data, keys=self.keys, signer=self.settings.arn, client_id=client_id,
                                      issuer=provider.settings.issuer, now=provider.clock())
        sub = verified.claims["sub"]
        identity = headers.get(IDENTITY_HEADER)
        if identity is not None and identity != sub:
            raise ALBClaimsRefused("x-amzn-oidc-identity is not the sub of x-amzn-oidc-data")
        access_token = headers.get(ACCESS_TOKEN_HEADER)
        if not access_token:
            raise ALBClaimsRefused("x-amzn-oidc-accesstoken is missing")
        try:
            access = validate_access_token(provider, access_token, allowed_client_ids=frozenset({client_id}),
                                           required_scopes=frozenset(), audiences=provider.settings.api_audience)
        except InvalidToken as error:
            raise ALBClaimsRefused(f"x-amzn-oidc-accesstoken: {error.detail}") from error
        if access.claims.get("sub") != sub:
            raise ALBClaimsRefused("x-amzn-oidc-accesstoken is for another subject than x-amzn-oidc-data")
        user = replace(User.from_claims(verified.claims, provider=provider.alias), groups=access.user.groups)
        return LoadBalancerIdentity(user, provider.alias, access.scopes, int(access.claims["exp"]))
