"""Health for load balancers: /healthz says the process serves; /readyz that it can sign users in."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from flask_cognito_signin.events import log_event
from flask_cognito_signin.oidc import OIDCError
from flask_cognito_signin.sessions import StoreUnavailable
from flask_cognito_signin.state import signin_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    """Ready when the session store answers and every provider's discovery document is loaded.

    Anyone can call it, so it answers ready or not and nothing more: which check failed, with
    store paths, hosts and errors, goes to the log for the operator.
    """
    failures: dict[str, str] = {}
    try:
        signin_state().store.ping()
    except StoreUnavailable as error:
        failures["session_store"] = str(error)
    for alias, provider in signin_state().providers.items():
        try:
            provider.metadata()
        except OIDCError as error:
            failures[f"discovery:{alias}"] = f"{error.code}: {error.explanation}"
    if failures:
        log_event("not_ready", logging.WARNING, "; ".join(f"{name}: {why}" for name, why in failures.items()),
                  failures=failures)
        response = jsonify(status="not ready")
        response.status_code = 503
        return response
    return jsonify(status="ready")
