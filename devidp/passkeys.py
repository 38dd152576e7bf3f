"""Passkeys on the hosted UI: a signed-in user adds one at /passkeys/add, then signs in with it at /login.

Cognito developer guide, "Authentication flows" (passkey sign-in: WebAuthn passkeys as a first
factor, in managed login only, once the pool's sign-in policy allows WEB_AUTHN) and
"User-interactive managed login and classic hosted UI endpoints" (/passkeys/add, where a
signed-in user registers a passkey; its client_id and redirect_uri name the app). Each ceremony
takes two requests: the browser fetches options with a fresh challenge (kept here, bound to this
browser's session, answered once), asks the authenticator, and posts its answer in a form.
A passkey sign-in then goes on as a password sign-in does (sign_in_steps.next_step): the same
hosted-UI session and the same authorization-code redirect, so the app gets the same tokens.
The WebAuthn checks themselves are py_webauthn's (passkey_ceremonies.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_wtf.csrf import ValidationError, validate_csrf

from .config import COGNITO_PROVIDER, User
from .context import current_emulator
from .errors import error_page
from .federation import LOGIN_OPTION_NOT_AVAILABLE
from .forms import LoginForm, PasskeyForm
from .hosted_ui import REDIRECT_MISMATCH, REQUIRED_PARAMETERS_MISSING
from .pages import (
    error_redirect,
    login_page,
    no_store,
    same_query,
    signed_in,
    validated_grant,
)
from .passkey_ceremonies import (
    PasskeyRefused,
    RelyingParty,
    read_assertion,
    registration_options,
    sign_in_options,
    verify_assertion,
    verify_registration,
)
from .passkey_store import Ceremony, PasskeyCredential
from .sign_in_steps import CHALLENGE_SECONDS, next_step

log = logging.getLogger("devidp")
bp = Blueprint("passkeys", __name__)
bp.after_request(no_store)

ADD_PATH = "/passkeys/add"
SIGN_IN_PATH = "/login/passkey"
REGISTER, SIGN_IN = "register", "sign_in"
_CEREMONY_KEY = "passkey_ceremony"

SIGN_IN_FAILED = "Your passkey did not sign you in. Try again, or sign in with your password."
REGISTRATION_FAILED = "The passkey was not added. Please try again."
SIGN_IN_FIRST = "Sign in first: a passkey is added to the signed-in user."


def relying_party() -> RelyingParty:
    emulator = current_emulator()
    pool = emulator.pool
    if not pool.passkeys_enabled or emulator.relying_party_id is None:
        abort(404)
    return RelyingParty(emulator.relying_party_id, pool.pool_id, emulator.domain_url, pool.webauthn_user_verification)


@bp.app_context_processor
def _passkey_sign_in() -> dict[str, Any]:
    """``passkey_sign_in()`` for login.html: the passkey form's URLs, or None without passkeys."""

    def passkey_sign_in() -> dict[str, str] | None:
        emulator = current_emulator()
        if not emulator.pool.passkeys_enabled:
            return None
        query = "?" + same_query()
        return {
            "action": emulator.url(SIGN_IN_PATH) + query,
            "options_url": emulator.url(SIGN_IN_PATH + "/options") + query,
        }

    return {"passkey_sign_in": passkey_sign_in}


# Registration ------------------------------------------------------------------------------------


@bp.route(ADD_PATH, methods=["GET", "POST"])
def add() -> Response:
    """The signed-in user registers a passkey, then goes back to the app's ``redirect_uri``."""
    rp = relying_party()
    target = _return_to()
    if isinstance(target, Response):
        return target
    user = _signed_in_user()
    if user is None:
        return error_page("sign_in_required", SIGN_IN_FIRST, 401)
    form = PasskeyForm()
    if request.method == "GET":
        return _add_page(form, user)
    ceremony = current_emulator().passkeys.take_ceremony(session.pop(_CEREMONY_KEY, None), REGISTER)
    if not form.validate_on_submit():
        return _add_page(form, user, REGISTRATION_FAILED, 400)
    try:
        _register(rp, user, ceremony, form.credential.data or "")
    except PasskeyRefused as refused:
        log.warning("POST %s: passkey of %s refused: %s", request.path, user.username, refused)
        return _add_page(form, user, REGISTRATION_FAILED, 400)
    log.info("POST %s: %s added a passkey", request.path, user.username)
    return redirect(target)


def _register(rp: RelyingParty, user: User, ceremony: Ceremony | None, answer: str) -> None:
    """Keep the new passkey of ``answer`` for ``user``, or PasskeyRefused: the challenge must be
    this browser's, issued to this user, and the passkey new (WebAuthn section 7.1)."""
    store = current_emulator().passkeys
    if ceremony is None or ceremony.username != user.username:
        raise PasskeyRefused(f"no live registration challenge for {user.username}")
    key = verify_registration(rp, answer, ceremony.challenge)
    added = store.add(PasskeyCredential(
        credential_id=key.credential_id,
        username=user.username,
        user_handle=store.user_handle(user.username),
        public_key=key.public_key,
        sign_count=key.sign_count,
        created_at=store.clock(),
        transports=key.transports,
    ))
    if not added:
        raise PasskeyRefused("that passkey is registered already")


@bp.post(ADD_PATH + "/options")
def add_options() -> Response:
    """PublicKeyCredentialCreationOptions for the signed-in user, with a new challenge."""
    rp = relying_party()
    refused = _refused_fetch()
    if refused is not None:
        return refused
    user = _signed_in_user()
    if user is None:
        return _json_error("sign_in_required", SIGN_IN_FIRST, 401)
    store = current_emulator().passkeys
    challenge, options = registration_options(
        rp,
        username=_account_name(user),
        display_name=str(user.attributes.get("name") or user.username),
        user_handle=store.user_handle(user.username),
        registered=[c.credential_id for c in store.of_user(user.username)],
        timeout_ms=CHALLENGE_SECONDS * 1000,
    )
    _start_ceremony(REGISTER, challenge, user.username)
    return jsonify(options)


def _return_to() -> str | Response:
    """/passkeys/add's redirect_uri: one of the client's callback or sign-out URLs."""
    emulator = current_emulator()
    client_id, redirect_uri = request.args.get("client_id"), request.args.get("redirect_uri")
    if not client_id or not redirect_uri:
        return error_redirect(REQUIRED_PARAMETERS_MISSING, "client_id and redirect_uri are required")
    client = emulator.pool.client(client_id)
    if client is None:
        return error_redirect("invalid_client", "The client_id is unknown.")
    if redirect_uri not in (*client.callback_urls, *client.logout_urls):
        return error_redirect(REDIRECT_MISMATCH, "The redirect_uri is not a callback or sign-out URL of the client.")
    return redirect_uri


def _account_name(user: User) -> str:
    """What the authenticator shows to tell passkeys apart: the email in pools that sign in with it
    (their user names are generated UUIDs), else the user name."""
    if user.email and "email" in current_emulator().pool.username_attributes:
        return user.email
    return user.username


def _signed_in_user() -> User | None:
    found = signed_in()
    return current_emulator().pool.active_user(found.username) if found else None


def _add_page(form: PasskeyForm, user: User, error: str | None = None, status: int = 200) -> Response:
    emulator = current_emulator()
    query = "?" + same_query()
    html = render_template(
        "devidp/passkeys_add.html",
        form=form,
        error=error,
        username=user.username,
        registered=len(emulator.passkeys.of_user(user.username)),
        action=emulator.url(ADD_PATH) + query,
        options_url=emulator.url(ADD_PATH + "/options") + query,
        redirect_uri=request.args["redirect_uri"],
        pool_id=emulator.pool.pool_id,
    )
    return Response(html, status=status)


# Sign-in -----------------------------------------------------------------------------------------


@bp.post(SIGN_IN_PATH + "/options")
def sign_in_options_view() -> Response:
    """PublicKeyCredentialRequestOptions with a new challenge; with a user name typed first, only
    that user's passkeys are asked for and accepted."""
    rp = relying_party()
    refused = _refused_fetch()
    if refused is not None:
        return refused
    body = request.get_json(silent=True)
    typed = body.get("username") if isinstance(body, dict) else None
    username = None
    allowed: list[bytes] = []
    if isinstance(typed, str) and typed.strip():
        user = current_emulator().pool.find(typed.strip())
        # An unknown name gets the same answer as a user without passkeys, and no passkey matches it.
        username = user.username if user else typed.strip()
        allowed = [c.credential_id for c in current_emulator().passkeys.of_user(username)]
    challenge, options = sign_in_options(rp, allowed, timeout_ms=CHALLENGE_SECONDS * 1000)
    _start_ceremony(SIGN_IN, challenge, username)
    return jsonify(options)


@bp.post(SIGN_IN_PATH)
def sign_in() -> Response:
    """The authenticator's answer: verified, it signs the passkey's owner in like a password does."""
    rp = relying_party()
    # Taken first: whatever happens next, this challenge is never answered again.
    ceremony = current_emulator().passkeys.take_ceremony(session.pop(_CEREMONY_KEY, None), SIGN_IN)
    grant = validated_grant(None)
    if isinstance(grant, Response):
        return grant
    if not grant.request.client.app_client.supports(COGNITO_PROVIDER):
        return error_redirect(LOGIN_OPTION_NOT_AVAILABLE, "the client does not support COGNITO")
    form = PasskeyForm()
    if not form.validate_on_submit():
        log.warning("POST %s: rejected, missing CSRF token or passkey answer", request.path)
        return login_page(LoginForm(), SIGN_IN_FAILED, status=400)
    try:
        user = _verified_owner(rp, ceremony, form.credential.data or "")
    except PasskeyRefused as refused:
        log.warning("POST %s: passkey sign-in refused: %s", request.path, refused)
        return login_page(LoginForm(), SIGN_IN_FAILED, status=400)
    log.info("POST %s: %s answered with a passkey", request.path, user.username)
    # On as after a password (a new password, a TOTP code, then the code): never less than the password asks.
    return next_step(user, grant)


def _verified_owner(rp: RelyingParty, ceremony: Ceremony | None, answer: str) -> User:
    """The user whose passkey answered this browser's live challenge, or PasskeyRefused.

    WebAuthn section 7.2 steps 5 and 6: the credential must be registered and be one of the named
    user's; with no user named, the authenticator must say whose it is (the user handle), and
    any user handle it returns must be the credential owner's.
    """
    emulator = current_emulator()
    if ceremony is None:
        raise PasskeyRefused("no live sign-in challenge for this browser")
    assertion = read_assertion(answer)
    credential = emulator.passkeys.find(assertion.credential_id)
    if credential is None:
        raise PasskeyRefused("the passkey is not registered")
    if ceremony.username is not None and credential.username != ceremony.username:
        raise PasskeyRefused("the passkey is not one of the named user's")
    if ceremony.username is None and assertion.user_handle is None:
        raise PasskeyRefused("a passkey chosen without a user name returned no user handle")
    if assertion.user_handle is not None and assertion.user_handle != credential.user_handle:
        raise PasskeyRefused("the user handle is not the passkey owner's")
    user = emulator.pool.active_user(credential.username)
    if user is None:
        raise PasskeyRefused("the passkey's user is disabled or gone")
    sign_count = verify_assertion(rp, assertion, ceremony.challenge, credential.public_key, credential.sign_count)
    emulator.passkeys.used(credential, sign_count)
    return user


# Both ceremonies ---------------------------------------------------------------------------------


def _start_ceremony(kind: str, challenge: bytes, username: str | None) -> None:
    """Bind a new challenge to this browser's session, ending the one it replaces."""
    store = current_emulator().passkeys
    store.end_ceremony(session.pop(_CEREMONY_KEY, None))
    session[_CEREMONY_KEY] = store.start_ceremony(kind, challenge, username, CHALLENGE_SECONDS).id


def _refused_fetch() -> Response | None:
    """Options are fetched by the page's script: JSON, with the page's CSRF token in X-CSRFToken."""
    if not request.is_json:
        return _json_error("invalid_request", "Send a JSON body (Content-Type: application/json).", 415)
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError:
        return _json_error("invalid_request", "The CSRF token is missing or invalid. Reload the page.", 400)
    return None


def _json_error(error: str, description: str, status: int) -> Response:
    log.warning("%s %s: %s (%s)", request.method, request.path, error, description)
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response
