"""The app client as registered in its user pool, compared with what this app will send.

Most failed sign-ins with Cognito come from here: a callback URL off by a scheme or a slash,
a grant or a scope not allowed, a secret from another client. Reading them needs boto3 and AWS
credentials; without them (or for a provider that is not a pool of the Cognito API boto3 talks
to, such as the local emulator) this part is SKIPPED: check.py has already tried what can be
tried without AWS (client authentication, the callback URL at the authorize endpoint).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from flask_cognito_signin.settings import ProviderSettings, Settings

from . import aws, pools
from .findings import Finding, check, fail, ok, skip
from .provision import (
    EXPLICIT_AUTH_FLOWS,
    IDENTITY_PROVIDERS,
    OAUTH_FLOWS,
    hosted_ui_domain,
)

_SKIPPED = "app client settings not compared"


def check_app_client(provider: ProviderSettings, settings: Settings) -> list[Finding]:
    pool_id = pools.pool_id_in(provider.issuer)
    if pool_id is None:
        return [skip(f"{_SKIPPED}: {provider.issuer} is not a Cognito user pool")]
    try:
        cognito = aws.cognito_client(pools.region_of(pool_id))
    except (aws.NoCredentials, aws.NotInstalled) as error:
        return [skip(f"{_SKIPPED}: {error}")]
    except aws.AWSError as error:
        return [fail(f"{_SKIPPED}: {error}")]
    if not pools.is_managed_by(provider.issuer, cognito.meta.endpoint_url):
        return [skip(f"{_SKIPPED}: {provider.issuer} is not a user pool of {cognito.meta.endpoint_url}")]
    try:
        with aws.one_line_errors():
            client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=provider.client_id)
            pool = cognito.describe_user_pool(UserPoolId=pool_id)
    except aws.AWSError as error:
        return [fail(f"app client {provider.client_id} of user pool {pool_id} not read: {error}")]
    return compare(client["UserPoolClient"], pool["UserPool"], provider, settings)


def compare(client: dict[str, Any], pool: dict[str, Any], provider: ProviderSettings,
            settings: Settings) -> list[Finding]:
    """One finding per setting of the app client (and the pool's domain) that the sign-in depends on."""
    flows, scopes = client.get("AllowedOAuthFlows", []), client.get("AllowedOAuthScopes", [])
    missing_scopes = [scope for scope in provider.scopes if scope not in scopes]
    missing_auth_flows = [flow for flow in EXPLICIT_AUTH_FLOWS if flow not in client.get("ExplicitAuthFlows", [])]
    identity_providers = client.get("SupportedIdentityProviders", [])
    return [
        ok(f"app client {client['ClientId']} ({client.get('ClientName', '')}) found in user pool {pool['Id']} "
           f"({pool.get('Name', '')})"),
        _registered_url("callback URL", client.get("CallbackURLs", []), settings.redirect_uri),
        _registered_url("sign-out URL", client.get("LogoutURLs", []), settings.sign_out_uri),
        check(client.get("AllowedOAuthFlowsUserPoolClient") is True,
              "OAuth 2.0 is enabled for the app client",
              "OAuth 2.0 is not enabled for the app client (AllowedOAuthFlowsUserPoolClient is false): "
              "the hosted UI refuses every sign-in"),
        check("code" in flows,
              "the authorization code grant is allowed",
              f"the authorization code grant is not allowed ({_listed(flows)}), the app uses it"),
        check(all(flow in OAUTH_FLOWS for flow in flows),
              "no other grant is allowed",
              f"grants other than the authorization code grant are allowed ({_listed(flows)}): "
              "allow only the authorization code grant"),
        check(not missing_scopes,
              f"scopes {' '.join(provider.scopes)} are allowed",
              f"scope {' '.join(missing_scopes)} not allowed for the app client ({_listed(scopes)}), "
              f"the app asks for {' '.join(provider.scopes)}"),
        check(not missing_auth_flows,
              f"authentication flows {', '.join(EXPLICIT_AUTH_FLOWS)} are enabled",
              f"authentication flow {', '.join(missing_auth_flows)} not enabled "
              f"({_listed(client.get('ExplicitAuthFlows', []))}): the app refreshes its tokens with "
              "ALLOW_REFRESH_TOKEN_AUTH"),
        check(all(name in identity_providers for name in IDENTITY_PROVIDERS),
              "the user pool's own users (identity provider COGNITO) may sign in",
              f"identity provider COGNITO is not enabled for the app client ({_listed(identity_providers)}): "
              "the pool's own users cannot sign in"),
        _secret(client.get("ClientSecret"), provider),
        _domain(pool, provider),
    ]


def _registered_url(what: str, registered: list[str], sent: str) -> Finding:
    if sent in registered:
        return ok(f"{what} {sent} is registered")
    if not registered:
        return fail(f"no {what} is registered, the app will send {sent}")
    if len(registered) == 1:
        return fail(f"{what} registered is {registered[0]}, the app will send {sent}")
    return fail(f"{what}s registered are {', '.join(registered)}, the app will send {sent}")


def _secret(secret: str | None, provider: ProviderSettings) -> Finding:
    if not secret:
        return fail(f"the app client has no client secret, the app authenticates with {provider.client_auth_method}: "
                    "create an app client with a generated secret")
    if not provider.client_secret:  # COGNITO_SIGNIN_MODE=alb, the only mode where it may be unset
        return ok("the app client has a client secret, which the load balancer holds "
                  "(OIDC_CLIENT_SECRET is not needed)")
    return check(hmac.compare_digest(secret.encode(), provider.client_secret.encode()),
                 "the app client's secret is OIDC_CLIENT_SECRET",
                 "the app client's secret is not OIDC_CLIENT_SECRET: copy it from the app client")


def _domain(pool: dict[str, Any], provider: ProviderSettings) -> Finding:
    """COGNITO_DOMAIN must be one of the pool's domains; without it, the pool needs a domain all the same."""
    region = pools.region_of(pool["Id"])
    domains = [hosted_ui_domain(pool["Domain"], region)] if pool.get("Domain") else []
    domains += [pool["CustomDomain"]] if pool.get("CustomDomain") else []
    if not provider.cognito_domain:
        return check(bool(domains), f"the user pool's domain is {_listed(domains)}",
                     "the user pool has no domain: the hosted UI (the sign-in page) needs one")
    wanted = urlsplit(provider.cognito_domain).hostname
    if not domains:
        return fail(f"COGNITO_DOMAIN is {wanted}, but the user pool has no domain")
    return check(wanted in domains, f"COGNITO_DOMAIN {wanted} is the user pool's domain",
                 f"COGNITO_DOMAIN is {wanted}, the user pool's domain is {_listed(domains)}")


def _listed(values: list[str]) -> str:
    return ", ".join(values) if values else "none"
