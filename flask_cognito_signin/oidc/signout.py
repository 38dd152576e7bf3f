"""Signing out at the provider: revoke the refresh token, then send the browser to its logout page.

Cognito's `/logout` is not RP-Initiated Logout: it takes `client_id` and a `logout_uri`
registered as a sign-out URL, and ignores `post_logout_redirect_uri` and `id_token_hint`,
even where the discovery document lists an `end_session_endpoint`. Without that redirect
the hosted UI's own cookie survives and the next sign-in is silent. The `oidc` style is
standard RP-Initiated Logout 1.0 for other providers.
"""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri

from . import faults
from .http import calling
from .provider import Provider


def revocation_endpoint(provider: Provider) -> str | None:
    """The discovery document's, else Cognito's documented `/oauth2/revoke` on the hosted UI domain."""
    metadata = provider.metadata()
    if metadata.revocation_endpoint:
        return metadata.revocation_endpoint
    if provider.settings.logout_style == "cognito":
        return provider.hosted_ui_origin() + "/oauth2/revoke"
    return None


def revoke_refresh_token(provider: Provider, refresh_token: str) -> bool:
    """Revoke the refresh token (and with it, at Cognito, its access tokens). False if there is no endpoint.

    Cognito documents HTTP Basic client authentication at /oauth2/revoke; other providers
    (oidc-provider among them) authenticate a client the same way at every endpoint.
    """
    endpoint = revocation_endpoint(provider)
    if endpoint is None:
        return False
    cognito = provider.settings.logout_style == "cognito"
    auth_method = "client_secret_basic" if cognito else provider.settings.client_auth_method
    with (calling("revocation endpoint", endpoint),
          provider.oauth_session(revocation_endpoint_auth_method=auth_method) as client):
        response = client.revoke_token(endpoint, token=refresh_token, token_type_hint="refresh_token")
    if response.status_code != 200:
        raise faults.error_status("revocation endpoint", endpoint, response.status_code, None)
    return True


def logout_url(provider: Provider, *, return_to: str, id_token: str | None) -> str | None:
    """Where to send the browser so the provider ends its own session; None when it offers no way."""
    settings = provider.settings
    if settings.logout_style == "cognito":
        query = urlencode({"client_id": settings.client_id, "logout_uri": return_to})
        return f"{provider.hosted_ui_origin()}/logout?{query}"
    endpoint = provider.metadata().end_session_endpoint
    if endpoint is None:
        return None
    params = {"client_id": settings.client_id, "post_logout_redirect_uri": return_to}
    if id_token:
        params["id_token_hint"] = id_token
    return add_params_to_uri(endpoint, params)
