"""Each way a sign-in fails is logged at WARNING with its cause and its fix in the message itself.

A host with Python's default logging shows a record's message and nothing of its fields, so
the words are checked as Python's own formatters write them, and as the example host's JSON
lines do. "Try again" is said of faults that pass on their own (a timeout, an HTTP 5xx, a
remote host refusing connections) and of no other. In debug mode the page shows the cause and
the fix; otherwise it shows neither.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import pytest
import requests
import responses
import urllib3
from flask.testing import FlaskClient

from app.events import JsonFormatter
from flask_cognito_signin.oidc import ProviderConfigurationError
from tests.conftest import AuthActions, relative
from tests.support.cognito import CLIENT_ID, DISCOVERY_URL, DOMAIN, ISSUER, FakeCognito

TOKEN_ENDPOINT = f"{DOMAIN}/oauth2/token"
OTHER_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1"


def wrapped(os_error: OSError, kind: type[requests.ConnectionError] = requests.ConnectionError) -> Exception:
    """An OS error as requests raises it: inside urllib3's NewConnectionError (its cause) and MaxRetryError."""
    inner = urllib3.exceptions.NewConnectionError(None, f"Failed to establish a new connection: {os_error}")
    inner.__cause__ = os_error
    return kind(urllib3.exceptions.MaxRetryError(None, DISCOVERY_URL, inner))


def discovery_answers(answer) -> Callable[[FakeCognito, AuthActions], object]:
    def fail(idp: FakeCognito, auth: AuthActions):
        idp.mock.remove(responses.GET, DISCOVERY_URL)
        if isinstance(answer, Exception):
            idp.mock.add(responses.GET, DISCOVERY_URL, body=answer)
        else:
            idp.mock.add(responses.GET, DISCOVERY_URL, **answer)
        return auth.start()
    return fail


def token_endpoint_answers(status: int, body: dict) -> Callable[[FakeCognito, AuthActions], object]:
    def fail(idp: FakeCognito, auth: AuthActions):
        callback = auth.callback_url()
        idp.mock.replace(responses.POST, TOKEN_ENDPOINT, status=status, json=body)
        return auth.client.get(relative(callback))
    return fail


def id_token_with(**times: int) -> Callable[[FakeCognito, AuthActions], object]:
    """An ID token whose times are off by seconds from now: the IdP's clock and ours disagree."""
    def fail(idp: FakeCognito, auth: AuthActions):
        now = int(time.time())
        idp.id_token_overrides = {name: now + offset for name, offset in times.items()}
        return auth.sign_in()
    return fail


def callback_with_error(error: str, description: str = "") -> Callable[[FakeCognito, AuthActions], object]:
    def fail(idp: FakeCognito, auth: AuthActions):
        state = parse_qs(auth.start().headers["Location"].split("?", 1)[1])["state"][0]
        query = {"error": error, "state": state, **({"error_description": description} if description else {})}
        return auth.client.get("/oauth/v2/callback?" + urlencode(query))
    return fail


def wrong_issuer(idp: FakeCognito, auth: AuthActions):
    idp.document["issuer"] = OTHER_ISSUER
    return auth.start()


def unknown_state(idp: FakeCognito, auth: AuthActions):
    return auth.client.get("/oauth/v2/callback?" + urlencode({"code": "abc", "state": "not-ours"}))


#: (how the sign-in fails, the exact log message, whether the fault is temporary)
CASES = [
    pytest.param(
        discovery_answers({"status": 404}),
        f"login_failed: discovery document not found at {DISCOVERY_URL}: check OIDC_DISCOVERY_URL (the region and "
        "user pool id in it)", False, id="discovery-404"),
    pytest.param(
        discovery_answers({"status": 503}),
        f"login_failed: discovery at {DISCOVERY_URL} answered HTTP 503 (usually temporary: try again): the identity "
        "provider is failing; if it lasts, check its status page", True, id="discovery-503"),
    pytest.param(
        discovery_answers({"body": "<html>", "content_type": "text/html"}),
        f"login_failed: the discovery URL {DISCOVERY_URL} serves no discovery document: it answered with a body that "
        "is not JSON (text/html): OIDC_DISCOVERY_URL must be the issuer followed by /.well-known/openid-configuration",
        False, id="discovery-not-json"),
    pytest.param(
        discovery_answers(requests.ConnectTimeout("slow")),
        "login_failed: discovery: https://cognito-idp.eu-west-1.amazonaws.com did not answer in time (usually "
        "temporary: try again): if it lasts, check that this host reaches https://cognito-idp.eu-west-1.amazonaws.com "
        "(proxy, firewall) or raise OIDC_HTTP_TIMEOUT", True, id="timeout"),
    pytest.param(
        discovery_answers(wrapped(ConnectionRefusedError(111, "Connection refused"))),
        "login_failed: discovery: cognito-idp.eu-west-1.amazonaws.com refused the connection (usually temporary: try "
        "again): the identity provider is down or OIDC_DISCOVERY_URL names the wrong port", True, id="refused"),
    pytest.param(
        discovery_answers(wrapped(socket.gaierror(-2, "Name or service not known"))),
        "login_failed: discovery: the host name cognito-idp.eu-west-1.amazonaws.com does not resolve: check the host "
        "in OIDC_DISCOVERY_URL (a typo, or another region than the pool's); if it is right, this host's DNS is failing",
        False, id="dns"),
    pytest.param(
        discovery_answers(wrapped(ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed "
                                                                   "certificate"), requests.exceptions.SSLError)),
        "login_failed: discovery: TLS with cognito-idp.eu-west-1.amazonaws.com failed (certificate verify failed: "
        "self-signed certificate): its certificate is not trusted here: for a private CA, point REQUESTS_CA_BUNDLE at "
        "its bundle", False, id="tls"),
    pytest.param(
        wrong_issuer,
        f"login_failed: the discovery document names the issuer '{OTHER_ISSUER}', not {ISSUER} (the discovery URL "
        f"without /.well-known/openid-configuration): if that is the provider you mean, set OIDC_DISCOVERY_URL to "
        f"{OTHER_ISSUER}/.well-known/openid-configuration", False, id="wrong-issuer"),
    pytest.param(
        token_endpoint_answers(400, {"error": "invalid_client"}),
        "login_failed: the token endpoint refused the authorization code grant: invalid_client: the provider does not "
        f"accept this app client's credentials: check OIDC_CLIENT_ID {CLIENT_ID}, OIDC_CLIENT_SECRET (the secret of "
        "that app client) and OIDC_CLIENT_AUTH_METHOD (client_secret_post)", False, id="invalid-client"),
    pytest.param(
        token_endpoint_answers(400, {"error": "invalid_grant"}),
        "login_failed: the token endpoint refused the authorization code grant: invalid_grant: the code expired "
        "(Cognito: after 5 minutes), was used already, or the redirect_uri or PKCE verifier differ from the "
        "authorization request's; start the sign-in again (if every sign-in ends here: is the callback requested "
        "twice, or is the token endpoint not the server that issued the code, such as an emulator restarted in "
        "between?)", False, id="invalid-grant"),
    pytest.param(
        token_endpoint_answers(500, {"error": "oops"}),
        f"login_failed: token endpoint at {TOKEN_ENDPOINT} answered HTTP 500 (usually temporary: try again): the "
        "identity provider is failing; if it lasts, check its status page", True, id="token-endpoint-500"),
    pytest.param(
        id_token_with(exp=-600, iat=-900),
        "login_failed: ID token: expired_token: The token is expired: it was issued a moment ago yet expired 600 s "
        "ago: this host's clock runs ahead of the provider's by more than the 60 s tolerated; set it right (NTP)",
        False, id="clock-ahead"),
    pytest.param(
        id_token_with(iat=600, exp=4200),
        "login_failed: ID token: invalid_claim: The token was issued in the future: it says it was issued 600 s from "
        "now: this host's clock runs behind the provider's by more than the 60 s tolerated; set it right (NTP)",
        False, id="clock-behind"),
    pytest.param(
        callback_with_error("invalid_scope"),
        "login_failed: the provider answered the authorization request with invalid_scope: app client "
        f"{CLIENT_ID} may not ask for every scope in OIDC_SCOPES (openid email profile): allow them for it, or ask "
        "for fewer", False, id="callback-invalid-scope"),
    pytest.param(
        callback_with_error("temporarily_unavailable"),
        "login_failed: the provider answered the authorization request with temporarily_unavailable (usually "
        "temporary: try again): the provider failed; if it lasts, check its status", True, id="callback-unavailable"),
    pytest.param(
        unknown_state,
        "login_failed: state is unknown, expired, already used, or from another browser: start again; if every "
        "sign-in ends here, open the app at APP_BASE_URL (https://rp.example.com) exactly, as the callback goes there: "
        "the cookie /login set is sent back only to the same scheme and host", False, id="unknown-state"),
]


def failure_record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [record for record in caplog.records if getattr(record, "event", None) == "login_failed"]
    return record


@pytest.mark.parametrize(("fail", "message", "temporary"), CASES)
def test_the_log_line_names_the_cause_and_the_fix(auth, idp, caplog, fail, message, temporary):
    page = fail(idp, auth).get_data(as_text=True)

    record = failure_record(caplog)
    assert record.levelno == logging.WARNING  # shown at Python's default level
    assert logging.Formatter().format(record) == message  # the last-resort handler's format: the message alone
    assert logging.Formatter(logging.BASIC_FORMAT).format(record) == f"WARNING:{record.name}:{message}"
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "login_failed" and line["message"] == message.removeprefix("login_failed: ")
    assert ("try again" in message) is temporary and line["temporary"] is temporary
    assert ("try again" in page) is temporary  # the visitor is told to wait only when waiting helps


def test_nothing_listening_on_loopback_is_not_called_temporary(make_app, idp, unused_loopback_url, caplog):
    """A real refused connection: the local emulator (or whatever the URL names) is not running."""
    discovery_url = f"{unused_loopback_url}/eu-west-1_Local1/.well-known/openid-configuration"
    idp.mock.add_passthru(unused_loopback_url)

    make_app(OIDC_DISCOVERY_URL=discovery_url).test_client().get("/login")

    assert failure_record(caplog).getMessage() == (
        f"login_failed: discovery: nothing listens at {unused_loopback_url.removeprefix('http://')} (connection "
        "refused): start the identity provider there (the local emulator: python -m devidp) or correct "
        "OIDC_DISCOVERY_URL")


@pytest.fixture
def unused_loopback_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_request_cannot_add_lines_to_the_log(auth, idp, caplog):
    """A callback's error_description is the sender's text: no CR, LF or other control character reaches the line."""
    callback_with_error("access_denied", "no\r\nWARNING:flask_cognito_signin.events:login_succeeded\x1b[2J")(idp, auth)

    message = logging.Formatter().format(failure_record(caplog))
    assert message == ("login_failed: the provider answered the authorization request with access_denied (no "
                       "WARNING:flask_cognito_signin.events:login_succeeded [2J): the user cancelled, or the provider "
                       "refused this user: nothing to configure")


# The page: the cause and the fix in debug mode only -------------------------------------------


@pytest.fixture
def debug_client(make_app) -> FlaskClient:
    app = make_app()
    app.debug = True
    return app.test_client()


@pytest.mark.parametrize(("fail", "message", "temporary"), [CASES[0], CASES[8]])
def test_in_debug_mode_the_page_shows_the_cause_and_the_fix(debug_client, idp, caplog, fail, message, temporary):
    page = fail(idp, AuthActions(debug_client, idp)).get_data(as_text=True)

    error = failure_record(caplog)
    cause, fix = error.fields["detail"], error.fields["fix"]
    assert f"<strong>Cause:</strong> <code>{cause}</code>" in page.replace("&#39;", "'")
    assert f"<strong>Fix:</strong> {fix}" in page.replace("&#39;", "'")


@pytest.mark.parametrize(("fail", "message", "temporary"), [CASES[0], CASES[8]])
def test_in_production_the_page_shows_neither(auth, idp, caplog, fail, message, temporary):
    page = fail(idp, auth).get_data(as_text=True)

    error = failure_record(caplog)
    assert "Cause:" not in page and "Fix:" not in page
    for secret_of_the_setup in ("OIDC_", "cognito-idp", CLIENT_ID, error.fields["detail"]):
        assert secret_of_the_setup not in page


@pytest.mark.parametrize("debug", [False, True])
def test_the_api_answers_with_the_cause_and_the_fix_in_debug_mode_only(make_app, debug):
    app = make_app()
    app.debug = debug

    @app.get("/api/discovery")
    def discovery():  # an API route meeting a sign-in failure (a token refresh would)
        raise ProviderConfigurationError(f"discovery document not found at {DISCOVERY_URL}", fix="check the URL")

    body = app.test_client().get("/api/discovery").get_json()

    assert body["error"] == "provider_misconfigured"
    assert (body.get("cause"), body.get("fix")) == (
        (f"discovery document not found at {DISCOVERY_URL}", "check the URL") if debug else (None, None))


def test_a_failure_answered_from_the_back_off_keeps_its_cause_and_fix(auth, idp, caplog):
    discovery_answers({"status": 404})(idp, auth)
    auth.start()

    first, again = [record.getMessage() for record in caplog.records if getattr(record, "event", None) == "login_failed"]
    assert again == first.replace(DISCOVERY_URL, f"{DISCOVERY_URL} (not tried again for 10 s)")
