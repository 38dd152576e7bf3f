"""Health for load balancers: /healthz says the process serves; /readyz that it can sign users in."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from app.events import log_event
from app.oidc import OIDCError
from app.sessions import StoreUnavailable

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
        current_app.extensions["session_store"].ping()
    except StoreUnavailable as error:
        failures["session_store"] = str(error)
    for alias, provider in current_app.extensions["oidc_providers"].items():
        try:
            provider.metadata()
        except OIDCError as error:
            failures[f"discovery:{alias}"] = f"{error.code}: {error.detail}"
    if failures:
        log_event("not_ready", logging.WARNING, failures=failures)
        response = jsonify(status="not ready")
        response.status_code = 503
        return response
    return jsonify(status="ready")
