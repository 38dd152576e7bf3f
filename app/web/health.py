"""Health for load balancers: /healthz says the process serves; /readyz that it can sign users in."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from app.oidc import OIDCError
from app.sessions import StoreUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    """Ready when the session store answers and every provider's discovery document is loaded."""
    checks: dict[str, str] = {}
    try:
        current_app.extensions["session_store"].ping()
        checks["session_store"] = "ok"
    except StoreUnavailable as error:
        checks["session_store"] = f"unavailable: {error}"
    for alias, provider in current_app.extensions["oidc_providers"].items():
        try:
            provider.metadata()
            checks[f"discovery:{alias}"] = "ok"
        except OIDCError as error:
            checks[f"discovery:{alias}"] = f"{error.code}: {error.detail}"
    ready = all(result == "ok" for result in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response
