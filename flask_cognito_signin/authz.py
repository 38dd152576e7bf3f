"""Who is making this request, and the one-line guards for views: login_required, groups_required, scopes_required,
fresh_login_required.

A request is authenticated by its session cookie (whose tokens are refreshed when due) or,
under the API prefix (/api/ by default), by an `Authorization: Bearer <access token>` header validated locally against
the provider's keys. Behind a load balancer that signs people in (COGNITO_SIGNIN_MODE=alb), the ALB's verified
x-amzn-oidc-* headers take the session's place (flask_cognito_signin.alb). The caller is a person (User) or, with a
client_credentials token, a machine (Client): every guard is for people only unless the view says `clients=True`.
Guards answer the way the caller can use: pages redirect to sign-in and back, API views answer 401/403 JSON with
an RFC 6750 `WWW-Authenticate` challenge (RFC 9470's, when a sign-in is not recent enough).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import abort, g, jsonify, redirect, request, session, url_for
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

from flask_cognito_signin.alb import LoadBalancerIdentity
from flask_cognito_signin.events import log_event
from flask_cognito_signin.logins import Logins
from flask_cognito_signin.oidc import InvalidToken, OIDCError
from flask_cognito_signin.oidc.errors import InsufficientScope, SessionEnded, TokenFault
from flask_cognito_signin.oidc.tokens import authenticated_within, unverified_issuer, validate_access_token
from flask_cognito_signin.oidc.user import Client, User
from flask_cognito_signin.state import SignInState, signin_state
from flask_cognito_signin.user_session import UserSession, current_user_session

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class AnonymousUser:
    """Nobody signed in: the same fields as User, all empty."""

    sub: str = ""
    username: str = ""
    email: str | None = None
    email_verified: bool | None = None
    groups: tuple[str, ...] = ()
    claims: Mapping[str, Any] = field(default_factory=dict)
    userinfo: Mapping[str, Any] = field(default_factory=dict)
    provider: str = ""
    is_authenticated: bool = False
    is_client: bool = False


ANONYMOUS = AnonymousUser()


@dataclass(frozen=True)
class BearerIdentity:
    """A request authenticated by an access token: who it speaks for, when the token expires, who issued
    it, and the scopes it grants."""

    user: User | Client
    expires_at: int
    provider: str
    scopes: frozenset[str]


def is_api_request() -> bool:
    """Whether the request is for the API (the `api_prefix` option, /api/ by default): JSON answers there."""
    return request.path.startswith(signin_state().settings.api_prefix)


def _load_current_user() -> User | Client | AnonymousUser:
    request_globals = g._get_current_object()  # one context lookup instead of one per attribute
    user = request_globals.get("current_user")
    if user is None:
        bearer = request_globals.get("bearer")
        user = request_globals.current_user = (bearer.user if bearer else current_user_session().user) or ANONYMOUS
    return user


current_user: User | Client | AnonymousUser = LocalProxy(_load_current_user)  # type: ignore[assignment]
"""Who makes this request: a User, a machine Client (bearer token from the client_credentials
grant), or ANONYMOUS; `current_user.is_authenticated` and `current_user.is_client` tell."""


#: RFC 6750 3: the characters an error_description may hold (printable ASCII but `"` and `\`).
_DESCRIPTION_CHARACTERS = frozenset(map(chr, range(0x20, 0x7F))) - {'"', "\\"}


def bearer_challenge(error: str | None = None, description: str | None = None, status: int = 401, *,
                     scopes: frozenset[str] | tuple[str, ...] = (), max_age: int | None = None) -> Response:
    """An RFC 6750 answer: 401 (or 403 for insufficient_scope) with its WWW-Authenticate header.

    Callers pass descriptions chosen by the code (TokenFault), never text from the request;
    other characters are dropped all the same, so the header is always well-formed. `scopes`
    (the code's, checked by scopes_required) are those the resource needs (RFC 6750 3); `max_age`
    how recent a sign-in it needs (RFC 9470 3, quoted as in its example).
    """
    params = ['realm="api"']
    if error:  # RFC 6750 3.1: a request without credentials gets no error details in the challenge
        params.append(f'error="{error}"')
    if error and description:
        safe = "".join(character for character in description if character in _DESCRIPTION_CHARACTERS)
        params.append(f'error_description="{safe}"')
    if error and scopes:
        params.append(f'scope="{" ".join(sorted(scopes))}"')
    if error and max_age is not None:
        params.append(f'max_age="{int(max_age)}"')
    response = json_error(status, error or "unauthorized", description or "Sign in or send a bearer token.")
    response.headers["WWW-Authenticate"] = "Bearer " + ", ".join(params)
    return response


#: Endpoints that never need to know who is asking: static files, and the sign-in routes, which
#: read the session themselves and never refresh its tokens (signing in and out must work while
#: the provider is down or refuses the refresh token).
_NOT_IDENTIFIED = frozenset({"static", "cognito_signin.static", "cognito_signin.login", "cognito_signin.callback",
                             "cognito_signin.logout", "cognito_signin.logout_everywhere"})


def identify_request() -> Response | None:
    """Before every request: under /api/, a Bearer token if one is sent; otherwise the session, kept fresh,
    or in ALB mode the load balancer's headers (nobody without them, never the session).

    Returns a challenge response when a bearer token is bad. Raises SessionEnded or
    RefreshUnavailable when the session's tokens cannot be kept valid, ALBClaimsRefused for
    x-amzn-oidc-* headers no load balancer of this app sent.
    """
    this_request = request._get_current_object()  # one context lookup instead of one per attribute
    state = signin_state()
    unavailable = session.unavailable
    if unavailable is not None:  # the store failed while the session was opened
        raise unavailable
    header = this_request.headers.get("Authorization")
    if header is not None and this_request.path.startswith(state.settings.api_prefix):
        return _authenticate_bearer(header, state)
    if state.load_balancer is not None:  # the ALB in front signs people in: its verified headers alone say who
        identity = g.load_balancer = state.load_balancer.identify(this_request.headers)
        g.current_user = identity.user if identity else ANONYMOUS
        return None
    if this_request.endpoint in _NOT_IDENTIFIED:
        return None
    user_session = current_user_session()
    if user_session.signed_in:
        _keep_fresh(user_session, state)
        g.current_user = user_session.user
    return None


def _keep_fresh(user_session: UserSession, state: SignInState) -> None:
    provider = state.providers.get(user_session.provider)
    if provider is None:
        user_session.sign_out()
        raise SessionEnded(f"provider {user_session.provider!r} is no longer configured")
    user_session.keep_fresh(provider, state.settings.token_refresh_margin)


def _authenticate_bearer(header: str, state: SignInState) -> Response | None:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return bearer_challenge("invalid_request", "Authorization must be: Bearer <access token>", 400)
    providers = state.providers.values()
    provider = next((p for p in providers if p.validated_access_tokens.get(token, p.clock()) is not None), None)
    if provider is None:  # a token not seen before: its (unverified) issuer says whose keys to check it with
        issuer = unverified_issuer(token)
        provider = next((p for p in providers if p.settings.issuer == issuer), None)
    if provider is None:
        return _token_refused(InvalidToken("bearer token: not a JWT from a configured issuer",
                                           fault=TokenFault.UNKNOWN_ISSUER))
    try:
        validated = validate_access_token(
            provider,
            token,
            allowed_client_ids=provider.settings.api_client_ids,  # the issuer's own clients only
            required_scopes=state.settings.api_required_scopes,
            audiences=provider.settings.api_audience,
        )
    except InsufficientScope as error:  # the scopes named come from API_REQUIRED_SCOPES, not from the token
        log_event("bearer_refused", reason=error.code, detail=error.detail)
        return bearer_challenge("insufficient_scope", error.detail, 403, scopes=error.scopes)
    except InvalidToken as error:
        return _token_refused(error)
    except OIDCError as error:  # the keys could not be fetched: the provider is down
        log_event("bearer_unverifiable", logging.WARNING, error.explanation, reason=error.code, detail=error.detail)
        return json_error(503, error.code, error.message)
    # Valid by itself, a token is still refused once this app signed its login out (see logins).
    if Logins(state.store).has_ended(provider.alias, validated.claims.get("origin_jti")):
        return _token_refused(InvalidToken("bearer token: its sign-in was signed out here", fault=TokenFault.SIGNED_OUT))
    g.bearer = BearerIdentity(validated.user, int(validated.claims["exp"]), provider.alias, validated.scopes)
    g.current_user = validated.user
    return None


def _token_refused(error: InvalidToken) -> Response:
    """401 invalid_token with the fault's fixed description; the detail (never the token) goes to the log."""
    log_event("bearer_refused", reason=error.code, fault=error.fault.name, detail=error.detail)
    return bearer_challenge("invalid_token", error.fault.value)


def json_error(status: int, error: str, message: str, **more: str) -> Response:
    """The API's error shape: {"error": code, "message": text}, and `more` (in debug mode: cause, fix)."""
    response = jsonify(error=error, message=message, **more)
    response.status_code = status
    return response


def sign_in_redirect(*, provider: str | None = None, max_age: int | None = None) -> Response:
    """Send the browser to sign in (at `provider`, an alias; with `max_age`, afresh), then back to the page."""
    target = request.full_path.rstrip("?") if request.method == "GET" else "/"
    query = {"next": target} if max_age is None else {"next": target, "max_age": max_age}
    return redirect(url_for("cognito_signin.login", alias=provider) + "?" + urlencode(query))


def unauthenticated_answer() -> Response:
    """What a guard answers nobody signed in: a 401 challenge on the API, else a redirect to sign in and back."""
    return bearer_challenge() if is_api_request() else sign_in_redirect()


def _forbidden(error: str, message: str) -> Response:
    if is_api_request():
        return json_error(403, error, message)
    abort(403, description=message)


#: What a caller who is a machine hears on a view for people.
_PEOPLE_ONLY = "This is for a signed-in person: a machine client's token (client_credentials) is not accepted here."
#: What a caller hears on a view for the users of other providers (tenants): which ones is not said.
_OTHER_PROVIDER = "This is not open to accounts of the identity provider (organisation) you signed in with."


def caller_refused(clients: bool, providers: frozenset[str] | None = None) -> Response | None:
    """Why this caller may not pass a guard (nobody signed in; a machine where `clients` is false;
    someone another provider vouches for where `providers` names those that may), or None."""
    user = _load_current_user()
    if not user.is_authenticated:
        return unauthenticated_answer()
    if user.is_client and not clients:  # authenticated, but not who the view is for: 403, not 401
        log_event("client_refused", client_id=user.sub, path=request.path)
        return _forbidden("person_required", _PEOPLE_ONLY)
    if providers is not None and user.provider not in providers:
        log_event("provider_refused", provider=user.provider, path=request.path)
        return _forbidden("provider_not_allowed", _OTHER_PROVIDER)
    return None


def login_required(view: View | None = None, *, clients: bool = False,
                   providers: Iterable[str] | None = None) -> Any:
    """Only for a signed-in person: pages send others to sign in (and back), the API answers 401,
    and a machine client (a client_credentials token) gets 403 unless the view lets it in.
    `providers` (aliases) limits the view to the users and clients of those providers (a tenant's
    pool, say); everyone else signed in gets 403 `provider_not_allowed`.

        @login_required                              # people
        @login_required(clients=True)                # people, and machine clients too
        @login_required(providers=("tenant-b",))     # people whom tenant-b's pool signed in
    """
    allowed = _provider_aliases(providers)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = caller_refused(clients, allowed)
            return view(*args, **kwargs) if refusal is None else refusal

        return guarded  # type: ignore[return-value]

    return decorate if view is None else decorate(view)


def _provider_aliases(providers: Iterable[str] | None) -> frozenset[str] | None:
    """A guard's `providers`: one or more aliases, given as a collection (a lone string would be its letters)."""
    if providers is None:
        return None
    aliases = frozenset() if isinstance(providers, str) else frozenset(providers)
    if not aliases or not all(isinstance(alias, str) for alias in aliases):
        raise ValueError(f"providers={providers!r}: name one or more provider aliases, such as providers=('tenant-b',)")
    return aliases


def groups_required(*groups: str, provider: str | None = None) -> Callable[[View], View]:
    """Only for signed-in people who are members of every one of `groups`; others get 403.

    A group is a provider's: "admins" at one identity provider says nothing about "admins" at
    another. The check counts the groups of one provider only: `provider` (an alias), by
    default the first configured provider (the OIDC_* / COGNITO_* one). Cognito's groups are
    its `cognito:groups` claim, another provider's its `groups` claim.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            held = current_user.groups if _current_provider() == _provider_alias(provider) else ()
            missing = [group for group in groups if group not in held]
            if missing:
                return _forbidden("forbidden", f"This needs membership of the group(s): {', '.join(missing)}.")
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


#: RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), which a challenge may quote as it is.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def scopes_required(*scopes: str, clients: bool = False, provider: str | None = None) -> Callable[[View], View]:
    """Only for callers whose access token grants every one of `scopes`; others get 403 `insufficient_scope`.

    Scopes are the access token's `scope` claim; Cognito writes a resource server's custom
    scopes `resource-server/scope` (e.g. "orders/read"). A bearer token's scopes are its own. A
    person signed in by the session cookie presents no token: the session's access token counts,
    that is the scopes the sign-in was granted (OIDC_SCOPES, as far as the app client allows).
    Like a group, a scope is one provider's: `provider` (an alias), by default the first. Machine
    clients pass only with `clients=True`. The API answers with RFC 6750's challenge naming the
    scopes (`WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`); pages answer 403.
    """
    if not scopes or not all(isinstance(scope, str) and _SCOPE_TOKEN.fullmatch(scope) for scope in scopes):
        raise ValueError(f"scopes_required{scopes!r}: name one or more scopes, each without spaces or quotes")
    needed = frozenset(scopes)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = caller_refused(clients)
            if refusal is not None:
                return refusal
            held = granted_scopes() if _current_provider() == _provider_alias(provider) else frozenset()
            if not needed <= held:
                return _insufficient_scope(needed, needed - held)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def fresh_login_required(view: View | None = None, *, max_age: int | None = None) -> Any:
    """Only for a person who signed in at the identity provider at most `max_age` seconds ago
    (FRESH_LOGIN_MAX_AGE, 5 minutes, by default): for views where a session left open is not enough.

        @fresh_login_required                   # a sign-in within FRESH_LOGIN_MAX_AGE
        @fresh_login_required(max_age=60)       # within the last minute

    The age is the token's `auth_time`, the provider's word for when the user last typed a
    password (a refresh keeps it): a page sends an older sign-in, or one without auth_time, through
    the provider again with `prompt=login` and back (see begin_sign_in); the API answers 401 with
    RFC 9470's `Bearer error="insufficient_user_authentication", max_age="…"`. Machine clients never
    pass (403): nobody signed in. The rest is login_required's. See docs/step-up.md.
    """
    if max_age is not None and (type(max_age) is not int or max_age < 1):
        raise ValueError(f"fresh_login_required(max_age={max_age!r}): max_age is a whole number of seconds, 1 or more")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = caller_refused(clients=False)
            if refusal is not None:
                return refusal
            needed = max_age if max_age is not None else signin_state().settings.fresh_login_max_age
            if not _signed_in_within(needed):
                return _step_up(needed)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate if view is None else decorate(view)


def _signed_in_within(max_age: int) -> bool:
    """Whether the person behind this request authenticated at most `max_age` seconds ago, by the clock of the
    provider that signed them in, and by the rule the step-up's callback applies."""
    return authenticated_within(current_user.claims, max_age, signin_state().providers[_current_provider()].clock())


#: What a caller whose sign-in is too old hears on the API (fixed text, for the challenge header).
_NOT_RECENT = "This needs a more recent sign-in: sign in again, then retry."


def _step_up(max_age: int) -> Response:
    log_event("step_up_required", max_age=max_age, path=request.path)
    if is_api_request():
        return bearer_challenge("insufficient_user_authentication", _NOT_RECENT, max_age=max_age)
    return sign_in_redirect(provider=_current_provider(), max_age=max_age)


def _insufficient_scope(needed: frozenset[str], missing: frozenset[str]) -> Response:
    message = f"This needs the scope(s): {' '.join(sorted(missing))}."
    log_event("scope_refused", missing=" ".join(sorted(missing)), path=request.path)
    if is_api_request():
        return bearer_challenge("insufficient_scope", message, 403, scopes=needed)
    abort(403, description=message)


def granted_scopes() -> frozenset[str]:
    """The scopes of the access token behind this request: the bearer token's or the ALB's, else the session's."""
    credential = _credential()
    if credential:
        return credential.scopes
    tokens = current_user_session().tokens
    return tokens.granted_scopes if tokens else frozenset()


def _provider_alias(alias: str | None) -> str:
    """The provider a guard's groups or scopes belong to: the one named, else the first configured."""
    return alias or next(iter(signin_state().providers))


def _current_provider() -> str | None:
    """The alias of the provider that authenticated this request."""
    credential = _credential()
    return credential.provider if credential else current_user_session().provider


def _credential() -> BearerIdentity | LoadBalancerIdentity | None:
    """What authenticated this request when it is not the session: a bearer token, or the load balancer."""
    return g.get("bearer") or g.get("load_balancer")
