"""Prometheus metrics at /metrics, behind a bearer token: the extension's signals, counted and timed.

Imported only when METRICS_TOKEN is set (prometheus-client is the `metrics` extra): with it
unset, nothing here runs, nothing listens to the signals and no request is timed. Every label
takes values from a fixed set (provider aliases, reason codes, endpoint kinds, Flask's url_rule),
never a token, a code, a user name or a raw path, so the number of series stays bounded.

Under gunicorn with several workers each worker counts in its own process; prometheus-client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, emptied at start by gunicorn.conf.py) lets any
worker's /metrics answer the sum of all of them.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Blueprint, Flask, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

from .settings import ConfigError
from .signals import auth_event, idp_call, provider_document_fetched
from .state import signin_state

#: The variable prometheus-client reads, when it is imported, to count in files shared by processes.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
#: The route label of a request that matched no route (a 404, a wrong method): one series for all of them.
UNMATCHED = "unmatched"
_ROUTE_KEY = "cognito_signin.route"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: A label value from an event field: a code or an alias. Anything else (free text, by a future mistake) is "other".
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")

# Every metric has labels: one without would open its multiprocess file at import, in gunicorn's master,
# before gunicorn.conf.py's on_starting empties the directory, and the master's own counts would be lost.
SIGN_IN_STARTS = Counter("cognito_signin_sign_in_starts", "Sign-ins sent to the provider (authorization requests).",
                         ["provider"])
SIGN_INS = Counter("cognito_signin_sign_ins", "Sign-ins completed (code redeemed, ID token verified).", ["provider"])
SIGN_IN_FAILURES = Counter("cognito_signin_sign_in_failures", "Sign-ins refused at the callback, by reason code.",
                           ["reason"])
REFRESHES = Counter("cognito_signin_refreshes", "Sessions whose tokens a refresh_token grant renewed.", ["provider"])
REFRESH_FAILURES = Counter("cognito_signin_refresh_failures", "Refreshes that failed, by reason code.", ["reason"])
SIGN_OUTS = Counter("cognito_signin_sign_outs", "Sign-outs, of this session or of every session of the user.",
                    ["provider", "scope"])
BEARER_REFUSALS = Counter("cognito_signin_bearer_refusals", "Bearer tokens refused on the API, by fault.", ["fault"])
REVOCATION_FAILURES = Counter("cognito_signin_revocation_failures", "Refresh tokens not revoked at sign-out.",
                              ["reason"])
SESSION_STORE_ERRORS = Counter("cognito_signin_session_store_errors", "Requests that found the session store down.",
                               ["stage"])
PROVIDER_DOCUMENT_FETCHES = Counter("cognito_signin_provider_document_fetches",
                                    "Fetches of a provider's discovery document or JWKS, by outcome.",
                                    ["document", "outcome"])
IDP_SECONDS = Histogram("cognito_signin_idp_request_duration_seconds", "HTTP calls to the identity provider.",
                        ["endpoint", "outcome"])
REQUEST_SECONDS = Histogram("cognito_signin_http_request_duration_seconds",
                            "Requests to the app until their response starts, by Flask route.",
                            ["route", "method", "status"])


def _label(fields: Mapping[str, Any], name: str, default: str = "none") -> str:
    value = str(fields.get(name, default))
    return value if _LABEL_VALUE.match(value) else "other"


def _bearer_fault(fields: Mapping[str, Any]) -> str:
    """The TokenFault's name; a token without the required scope has no fault, only its reason."""
    return _label(fields, "fault", str(fields.get("reason"))).lower()


#: What each auth event (flask_cognito_signin.events) counts.
_COUNTED: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "login_started": lambda fields: SIGN_IN_STARTS.labels(_label(fields, "provider")).inc(),
    "login_succeeded": lambda fields: SIGN_INS.labels(_label(fields, "provider")).inc(),
    "login_failed": lambda fields: SIGN_IN_FAILURES.labels(_label(fields, "reason")).inc(),
    "refresh": lambda fields: REFRESHES.labels(_label(fields, "provider")).inc(),
    "refresh_failed": lambda fields: REFRESH_FAILURES.labels(_label(fields, "reason")).inc(),
    "logout": lambda fields: SIGN_OUTS.labels(_label(fields, "provider"), "session").inc(),
    "logout_everywhere": lambda fields: SIGN_OUTS.labels(_label(fields, "provider"), "everywhere").inc(),
    "bearer_refused": lambda fields: BEARER_REFUSALS.labels(_bearer_fault(fields)).inc(),
    "bearer_unverifiable": lambda fields: BEARER_REFUSALS.labels("unverifiable").inc(),
    "revocation_failed": lambda fields: REVOCATION_FAILURES.labels(_label(fields, "reason")).inc(),
    "session_store_unavailable": lambda fields: SESSION_STORE_ERRORS.labels(_label(fields, "stage")).inc(),
}


def _count_event(event: str, *, fields: Mapping[str, Any]) -> None:
    count = _COUNTED.get(event)
    if count is not None:
        count(fields)


def _time_idp_call(endpoint: str, *, seconds: float, outcome: str) -> None:
    IDP_SECONDS.labels(endpoint, outcome).observe(seconds)


def _count_document_fetch(document: str, *, outcome: str) -> None:
    PROVIDER_DOCUMENT_FETCHES.labels(document, outcome).inc()


bp = Blueprint("cognito_signin_metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """The metrics in Prometheus' text format, for whoever sends the METRICS_TOKEN as a bearer token."""
    expected = signin_state().settings.metrics_token
    if not expected:  # never open to an empty token, whoever registered this view
        abort(404)
    refused = _refusal(expected)
    if refused is not None:
        return refused
    response = Response(_exposition(), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(expected: str) -> Response | None:
    """401 unless the request carries `Authorization: Bearer <expected>`, compared in constant time
    (hmac.compare_digest), so the answer's timing tells nothing of how much of a guess was right."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected.encode()):
        return None
    challenge = 'Bearer realm="metrics"' + (', error="invalid_token"' if presented else "")
    response = Response("Send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n", 401, mimetype="text/plain")
    response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def _exposition() -> bytes:
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # every process's files, summed
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class TimedRequests:
    """WSGI middleware: each request's time until its response starts, labelled by the route that
    Flask matched (recorded at teardown), its method and its status."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status = ["500"]  # an exception that escapes Flask: the server answers 500

        def starting(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = status_line[:3]
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, starting)
        finally:
            method = environ.get("REQUEST_METHOD", "")
            REQUEST_SECONDS.labels(environ.get(_ROUTE_KEY, UNMATCHED), method if method in _METHODS else "other",
                                   status[0]).observe(time.perf_counter() - started)


def _remember_route(_error: BaseException | None) -> None:
    rule = request.url_rule
    request.environ[_ROUTE_KEY] = rule.rule if rule is not None else UNMATCHED


def init_app(app: Flask) -> None:
    """Count the extension's signals (once per process), serve /metrics and time the app's requests."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory and not (os.path.isdir(directory) and os.access(directory, os.W_OK)):
        raise ConfigError([f"{MULTIPROCESS_DIR}={directory!r} must be an existing directory the app can write to "
                           "(prometheus-client keeps each worker's metrics there)."])
    auth_event.connect(_count_event)
    idp_call.connect(_time_idp_call)
    provider_document_fetched.connect(_count_document_fetch)
    app.register_blueprint(bp)
    app.teardown_request(_remember_route)
    app.wsgi_app = TimedRequests(app.wsgi_app)
