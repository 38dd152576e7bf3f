"""The admin HTTP API: change users while the emulator runs (``python -m devidp admin`` calls it).

Served under ``/_admin/`` on the issuer origin, to loopback peers only. It stands for
Cognito's administrative user-pool operations (API reference: AdminCreateUser,
AdminDisableUser, AdminEnableUser, AdminDeleteUser, AdminSetUserPassword,
AdminAddUserToGroup/AdminRemoveUserFromGroup, AdminUserGlobalSignOut), not for their wire format: it is a local
convenience with JSON bodies shaped like the pool file's users.

A page in the developer's browser can reach loopback too, so requests must also name a
loopback host (no DNS rebinding) and changes must send JSON (a cross-site form cannot,
and this API answers no CORS preflight).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, jsonify, request

from .config import ConfigError, User, parse_user
from .context import current_emulator
from .directory import UserNotFound

log = logging.getLogger("devidp")
bp = Blueprint("admin", __name__, url_prefix="/_admin")

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@bp.before_request
def _loopback_json_only() -> None:
    if not _is_loopback(request.remote_addr):
        abort(403, "The admin API answers loopback clients only.")
    host = urlsplit(f"//{request.host}").hostname or ""
    configured = urlsplit(current_emulator().issuer_base_url).hostname
    if host not in _LOOPBACK_NAMES and host != configured:
        abort(403, "The admin API answers requests for a loopback host only.")
    if request.method not in ("GET", "DELETE") and not request.is_json:
        abort(415, "Send a JSON body (Content-Type: application/json).")


def describe(user: User) -> dict[str, Any]:
    """A user as the admin API shows it: never the password or the TOTP secret."""
    return {
        "username": user.username,
        "sub": user.sub,
        "email": user.email,
        "email_verified": user.email_verified,
        "enabled": user.enabled,
        "status": user.status,
        "totp_mfa": user.totp_secret is not None,
        "groups": list(user.groups),
        "attributes": dict(user.attributes),
        "identities": [
            {"providerName": i.provider_name, "userId": i.user_id, "dateCreated": i.date_created}
            for i in user.identities
        ],
    }


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object.")
    return body


def _changed(action: str, user: User) -> Response:
    log.info("admin: %s %s", action, user.username)
    return jsonify(describe(user))


@bp.errorhandler(UserNotFound)
def _not_found(error: UserNotFound) -> Response:
    return _error("user_not_found", f"No user {error.args[0]!r} in the pool.", 404)


@bp.errorhandler(ConfigError)
def _invalid(error: ConfigError) -> Response:
    return _error("invalid_parameter", str(error), 400)


def _error(error: str, description: str, status: int) -> Response:
    log.warning("%s %s: %s (%s)", request.method, request.path, error, description)
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


@bp.get("/users")
def list_users() -> Response:
    return jsonify(users=[describe(u) for u in current_emulator().pool.users])


@bp.post("/users")
def add_user() -> tuple[Response, int]:
    user = current_emulator().directory.add(parse_user(_body()))
    return _changed("added", user), 201


@bp.get("/users/<name>")
def get_user(name: str) -> Response:
    return jsonify(describe(current_emulator().directory.get(name)))


@bp.delete("/users/<name>")
def delete_user(name: str) -> tuple[str, int]:
    directory = current_emulator().directory
    username = directory.get(name).username
    directory.delete(name)
    log.info("admin: deleted %s", username)
    return "", 204


@bp.post("/users/<name>/disable")
def disable_user(name: str) -> Response:
    return _changed("disabled", current_emulator().directory.disable(name))


@bp.post("/users/<name>/global-sign-out")
def global_sign_out(name: str) -> Response:
    """AdminUserGlobalSignOut: the user's refresh tokens, and the tokens they issued, are revoked."""
    return _changed("signed out everywhere", current_emulator().directory.global_sign_out(name))


@bp.post("/users/<name>/enable")
def enable_user(name: str) -> Response:
    return _changed("enabled", current_emulator().directory.enable(name))


@bp.put("/users/<name>/password")
def set_password(name: str) -> Response:
    """AdminSetUserPassword: ``permanent`` false makes it a temporary password."""
    body = _body()
    password, permanent = body.get("password"), body.get("permanent", True)
    if not isinstance(password, str) or not isinstance(permanent, bool):
        abort(400, "password: must be a string; permanent: true or false")
    user = current_emulator().directory.set_password(name, password, permanent=permanent)
    return _changed("set the password of", user)


@bp.put("/users/<name>/groups")
def set_groups(name: str) -> Response:
    groups = _body().get("groups")
    if not isinstance(groups, list):
        abort(400, "groups: must be a list of group names")
    return _changed("set the groups of", current_emulator().directory.set_groups(name, groups))
