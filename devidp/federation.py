"""Sign-in through an OpenID Connect identity provider (federation).

Cognito developer guide, "Authorize endpoint": ``identity_provider`` (a provider's name, or
COGNITO for the pool's own sign-in page) or ``idp_identifier`` (one of a provider's
identifiers) sends the browser straight to that provider, which must be one of the app
client's supported identity providers. "OIDC user pool IdP authentication flow": the
provider sends the browser back to the pool domain's ``/oauth2/idpresponse``; the pool
redeems the code (upstream.py), and the user ``<ProviderName>_<sub>`` of the pool gets the
provider's claims through the attribute mapping ("Specifying identity provider attribute
mappings for your user pool") before the client gets its code, as after a password sign-in.
A user of that name who is not the provider's account is never signed in instead ("Linking
federated users to an existing user profile").

The state sent to the provider is also kept in this browser's hosted-UI cookie, so an
answer that another browser carries in (login CSRF) is refused.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from authlib.oauth2.rfc6749 import BaseGrant
from flask import Blueprint, Response, redirect, request, session

from .config import BOOLEAN_ATTRIBUTES, COGNITO_PROVIDER, ConfigError, IdentityProvider
from .context import current_emulator
from .directory import NameTaken
from .errors import error_page
from .oauth import IdentityProviderError, StoredAuthorizationRequest
from .pages import error_redirect, no_store, sign_in, validated_grant
from .upstream import UpstreamError

log = logging.getLogger("devidp")
bp = Blueprint("federation", __name__)
bp.after_request(no_store)

#: The path on the pool domain where providers send the browser back, as Cognito's.
IDP_RESPONSE_PATH = "/oauth2/idpresponse"
#: What Cognito's hosted UI says to an identity_provider the client does not support
#: (its error text, e.g. github.com/aws-amplify/aws-sdk-android issue 1808).
LOGIN_OPTION_NOT_AVAILABLE = "Login option is not available. Please try another one"
#: Time the browser has to sign in at the provider.
FEDERATION_SECONDS = 600
_STATE_KEY = "idp_state"
_FLAGS = frozenset({"email_verified"} | BOOLEAN_ATTRIBUTES)


def requested_provider(grant: BaseGrant) -> IdentityProvider | Response | None:
    """The provider that ``identity_provider`` or ``idp_identifier`` names, if any.

    None: no provider was named, or COGNITO (the pool's sign-in page). identity_provider
    counts when both are given. A provider the pool lacks, or that the client does not
    support, ends on Cognito's error page.
    """
    name = request.args.get("identity_provider")
    identifier = request.args.get("idp_identifier")
    if name is None and identifier is None:
        return None
    client = grant.request.client.app_client
    pool = current_emulator().pool
    if name == COGNITO_PROVIDER:
        chosen, provider = COGNITO_PROVIDER, None
    elif name is not None:
        provider = pool.identity_provider(name)
        chosen = provider.name if provider else None
    else:
        provider = pool.identity_provider_by_identifier(identifier)
        chosen = provider.name if provider else None
    if chosen is None or not client.supports(chosen):
        return error_redirect(
            LOGIN_OPTION_NOT_AVAILABLE,
            f"identity provider {name or identifier!r} is not one of the client's",
        )
    return provider


def start(provider: IdentityProvider, grant: BaseGrant) -> Response:
    """Send the browser to ``provider``, remembering the client's authorization request."""
    emulator = current_emulator()
    pending = emulator.store.start_federation(
        provider.name, request.args.to_dict(), FEDERATION_SECONDS
    )
    session[_STATE_KEY] = pending.state
    try:
        url = emulator.upstreams[provider.name].authorization_url(pending)
    except UpstreamError as error:
        emulator.store.take_federation(pending.state)  # no answer will come
        return _refuse(grant, provider, error)
    log.info("GET /oauth2/authorize: to identity provider %s", provider.name)
    return redirect(url)


@bp.get(IDP_RESPONSE_PATH)
def idp_response() -> Response:
    """The provider's answer: the client gets a code for the pool's user, or the error."""
    emulator = current_emulator()
    state = request.args.get("state", "")
    expected = session.pop(_STATE_KEY, "")
    pending = (
        emulator.store.take_federation(state)
        if state and hmac.compare_digest(state.encode(), expected.encode())
        else None
    )
    if pending is None:
        return error_page(
            "invalid_request",
            "No sign-in at an identity provider is under way in this browser with this state.",
        )
    stored = StoredAuthorizationRequest(
        emulator.url("/oauth2/authorize"), dict(pending.request)
    )
    grant = validated_grant(None, stored)
    if isinstance(grant, Response):
        return grant
    provider = emulator.pool.identity_provider(pending.provider_name)
    if "error" in request.args or not request.args.get("code"):
        why = f"the provider answered error={request.args.get('error', '(no code)')!r}"
        return _refuse(grant, provider, UpstreamError(why))
    try:
        claims = emulator.upstreams[provider.name].sign_in(request.args["code"], pending)
        user = emulator.directory.federate(
            provider,
            claims["sub"],
            mapped_attributes(provider, claims),
            now_ms=int(emulator.store.clock() * 1000),
        )
    except UpstreamError as error:
        return _refuse(grant, provider, error)
    except ConfigError as error:
        return _refuse(grant, provider, UpstreamError(f"the provider's claims do not fit: {error}"))
    except NameTaken as error:
        return _refuse(grant, provider, UpstreamError(str(error)))
    if not user.enabled:
        return _refuse(grant, provider, UpstreamError(f"{user.username} is disabled"))
    return sign_in(user, grant)


def mapped_attributes(provider: IdentityProvider, claims: dict[str, Any]) -> dict[str, str | bool]:
    """The pool attributes that ``provider``'s attribute mapping sets from ``claims``.

    Attribute values are strings in a user pool; the *_verified flags are booleans, which
    providers send as JSON booleans or, as Cognito's userInfo does, as "true"/"false".
    A claim the provider did not send leaves its attribute as it is.
    """
    mapped: dict[str, str | bool] = {}
    for attribute, claim in provider.attribute_mapping.items():
        value = claims.get(claim)
        if attribute in _FLAGS:
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if isinstance(value, bool):
                mapped[attribute] = value
        elif isinstance(value, bool):
            mapped[attribute] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            mapped[attribute] = str(value)
    return mapped


def _refuse(grant: BaseGrant, provider: IdentityProvider, error: UpstreamError) -> Response:
    """Send the client ``invalid_request`` (with Cognito's description where it has one)."""
    log.warning("%s %s: %s: %s", request.method, request.path, provider.name, error)
    refusal = IdentityProviderError(
        description=error.description,
        redirect_uri=grant.request.payload.redirect_uri,
        state=grant.request.payload.state,
    )
    return current_emulator().server.handle_error_response(grant.request, refusal)
