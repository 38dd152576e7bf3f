"""The Import Configuration step as a diagnosis: the discovery document and JWKS, checked one point at a time,
then the app client as the provider judges it (probes.py) and, with AWS, as the user pool holds it.

The app itself stops at the first thing wrong (Provider.metadata()); a person fixing a set-up
wants every problem named at once, so each point the app relies on is a finding of its own.
"""

from __future__ import annotations

from typing import Any

from flask_cognito_signin.settings import DISCOVERY_SUFFIX, Settings

from ..oidc import OIDCError, Provider
from ..oidc.provider import SIGNING_ALGORITHM, ProviderMetadata
from ..oidc.signout import logout_url, revocation_endpoint
from . import probes, registration
from .findings import Finding, check, fail, info, note, ok, skip

#: Discovery fields, what to call them, and whether the app cannot do without them.
_ENDPOINTS = (
    ("authorization_endpoint", "authorization endpoint", True),
    ("token_endpoint", "token endpoint", True),
    ("userinfo_endpoint", "userInfo endpoint", False),
    ("jwks_uri", "JWKS URI", True),
    ("revocation_endpoint", "revocation endpoint", False),
    ("end_session_endpoint", "end-session endpoint", False),
)


def check_provider(provider: Provider, settings: Settings) -> list[Finding]:
    """Everything about one provider: its discovery, its app client as the provider judges it, the URLs to
    register, its app client at AWS."""
    discovery = check_discovery(provider)
    usable = not any(finding.failed for finding in discovery)
    return [
        *discovery,
        *(_sign_out_plan(provider, settings) if usable else []),
        *_probes(provider, settings, usable),
        info(f"callback URL to register: {settings.redirect_uri}"),
        info(f"sign-out URL to register: {settings.sign_out_uri}"),
        *registration.check_app_client(provider.settings, settings),
    ]


def _probes(provider: Provider, settings: Settings, usable: bool) -> list[Finding]:
    """The app client as the provider judges it, where this app is the one that signs people in."""
    if settings.load_balancer is not None:
        return [skip("client authentication and the callback URL at the provider: the load balancer signs people "
                        "in, with the client secret it holds (COGNITO_SIGNIN_MODE=alb)")]
    if not usable:
        return [note("client authentication and the callback URL not checked: the discovery document is not usable")]
    return [*probes.check_client_authentication(provider, settings), *probes.check_callback_registered(provider, settings)]


def _sign_out_plan(provider: Provider, settings: Settings) -> list[Finding]:
    """Where sign-out will go, as OIDC_LOGOUT_STYLE and COGNITO_DOMAIN decide."""
    revoke = revocation_endpoint(provider)
    logout = logout_url(provider, return_to=settings.sign_out_uri, id_token=None)
    return [
        info(f"sign-out revokes refresh tokens at: {revoke or 'nowhere (the provider publishes no endpoint)'}"),
        info(f"sign-out then sends the browser to: {logout or 'this app only (no end_session_endpoint)'}"),
    ]


def check_discovery(provider: Provider) -> list[Finding]:
    url = provider.settings.discovery_url
    try:
        document = provider.get_json(url, "discovery", setting=provider.settings.setting("OIDC_DISCOVERY_URL"))
    except OIDCError as error:
        return [fail(f"discovery document not loaded: {error.explanation}")]
    findings = [ok(f"discovery document loaded from {url}"), *_check_document(document, provider)]
    if any(finding.failed for finding in findings):
        return [*findings, note("JWKS not checked: the discovery document is not usable")]
    try:
        ProviderMetadata.from_document(document, provider.settings)  # anything else the app insists on
    except OIDCError as error:
        return [*findings, fail(f"discovery document refused: {error.explanation}")]
    return [*findings, _check_keys(provider)]


def _check_document(document: dict[str, Any], provider: Provider) -> list[Finding]:
    settings = provider.settings
    issuer = document.get("issuer")
    findings = [check(
        issuer == settings.issuer,
        f"issuer is {settings.issuer}",
        f"issuer in the discovery document is {issuer!r}, the app expects {settings.issuer} "
        f"(the discovery URL without {DISCOVERY_SUFFIX})",
    )]
    for name, label, required in _ENDPOINTS:
        if document.get(name):
            findings.append(info(f"{label}: {document[name]}"))
        else:
            findings.append(fail(f"{label} missing from the discovery document") if required
                            else info(f"{label}: not published"))
    method = settings.client_auth_method
    methods = document.get("token_endpoint_auth_methods_supported")
    if methods is None:
        methods, listed = ["client_secret_basic"], "none, which means client_secret_basic only"
    else:
        listed = str(methods)
    findings.append(check(
        isinstance(methods, list) and method in methods,
        f"client authentication {method} is supported",
        f"client authentication {method} (OIDC_CLIENT_AUTH_METHOD) is not supported: the provider lists {listed}",
    ))
    algorithms = document.get("id_token_signing_alg_values_supported", [SIGNING_ALGORITHM])
    findings.append(check(
        isinstance(algorithms, list) and SIGNING_ALGORITHM in algorithms,
        f"ID tokens may be signed with {SIGNING_ALGORITHM}",
        f"ID tokens are not signed with {SIGNING_ALGORITHM}, the only algorithm the app accepts: "
        f"the provider lists {algorithms}",
    ))
    return findings


def _check_keys(provider: Provider) -> Finding:
    try:
        keys = list(provider.signing_keys(None))
    except OIDCError as error:
        return fail(f"JWKS not loaded: {error.explanation}")
    usable = [key.kid or "(no kid)" for key in keys if key.key_type == "RSA" and key.alg in (None, SIGNING_ALGORITHM)]
    if usable:
        return ok(f"JWKS holds {len(usable)} {SIGNING_ALGORITHM} signing key(s): {', '.join(usable)}")
    held = ", ".join(" ".join(filter(None, (key.key_type, key.alg, key.kid))) for key in keys)
    return fail(f"JWKS holds no {SIGNING_ALGORITHM} signing key (keys: {held}): the app cannot verify ID tokens")
