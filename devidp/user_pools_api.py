"""The user-pools API (cognito-idp's JSON protocol) on the issuer origin: GetTokensFromRefreshToken.

Cognito serves its API at ``https://cognito-idp.<region>.amazonaws.com/``, the issuer's host:
a POST of ``application/x-amz-json-1.1`` naming the operation in ``X-Amz-Target``, answered in
JSON, errors as ``{"__type": "<Exception>", "message": ...}`` with 400. So boto3 or any AWS SDK
reaches the emulator with ``endpoint_url`` set to the issuer origin; the operation needs no AWS
credentials (it is not signed). The other operations answer UnknownOperationException.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .context import Emulator, current_emulator
from .models import Principal
from .pre_token import REFRESH_TOKENS, HookFailed, shape_tokens

log = logging.getLogger("devidp")
bp = Blueprint("user_pools_api", __name__)

_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_CONTENT_TYPE = "application/x-amz-json-1.1"
INVALID_REFRESH_TOKEN = "Invalid Refresh Token"


class ApiError(Exception):
    """An operation's failure, as the API names it (``exception``)."""

    def __init__(self, exception: str, message: str):
        super().__init__(message)
        self.exception = exception


@bp.post("/")
def operation() -> Response:
    target = request.headers.get("X-Amz-Target", "")
    name = target[len(_TARGET_PREFIX):] if target.startswith(_TARGET_PREFIX) else ""
    handler = _OPERATIONS.get(name)
    try:
        if handler is None:
            raise ApiError(
                "UnknownOperationException",
                f"The emulator's user-pools API has {sorted(_OPERATIONS)} only, not {target or 'no X-Amz-Target'}.",
            )
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise ApiError("SerializationException", "The body is not a JSON object.")
        answer = handler(current_emulator(), body)
    except ApiError as error:
        log.warning("POST / %s: %s (%s)", name or "?", error.exception, error)
        response = jsonify({"__type": error.exception, "message": str(error)})
        response.status_code = 400
        response.headers["x-amzn-ErrorType"] = f"{error.exception}:"
    else:
        response = jsonify(answer)
    response.content_type = _CONTENT_TYPE
    return response


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError("InvalidParameterException", f"{name} is required and must be a string.")
    return value


def get_tokens_from_refresh_token(emulator: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """API reference, GetTokensFromRefreshToken: new ID and access tokens for a refresh token,
    and with the client's refresh token rotation a new refresh token, the submitted one staying
    valid for RetryGracePeriodSeconds (Cognito developer guide: "Refresh tokens"). A rotated-out
    token used after that is RefreshTokenReuseException; any other bad token NotAuthorizedException
    (the message Cognito gives for REFRESH_TOKEN_AUTH, "Invalid Refresh Token")."""
    pool, store = emulator.pool, emulator.store
    presented = _string(body, "RefreshToken")
    client = pool.client(_string(body, "ClientId"))
    if client is None:
        raise ApiError("ResourceNotFoundException", f"User pool client {body['ClientId']} does not exist.")
    if client.client_secret is not None and not client.check_secret(str(body.get("ClientSecret") or "")):
        raise ApiError("NotAuthorizedException", f"Client {client.client_id} needs its ClientSecret.")
    found = store.find_refresh_token(presented)
    if found is None or found.client_id != client.client_id:
        if store.is_rotated_out(presented):
            raise ApiError("RefreshTokenReuseException", "The refresh token was rotated out and its grace period is over.")
        raise ApiError("NotAuthorizedException", INVALID_REFRESH_TOKEN)
    user = pool.active_user(found.username)
    if user is None:
        raise ApiError("NotAuthorizedException", INVALID_REFRESH_TOKEN)
    principal = Principal(
        user=user,
        client=client,
        auth_time=found.auth_time,
        origin_jti=found.origin_jti,
        event_id=found.event_id,
        refresh_expires_at=found.expires_at,
    )
    try:
        principal = shape_tokens(pool, principal, found.scope, REFRESH_TOKENS)
    except HookFailed as failure:
        raise ApiError(failure.exception, str(failure)) from None
    result: dict[str, Any] = {
        "AccessToken": emulator.tokens.access_token(principal, client, found.scope),
        "ExpiresIn": client.access_token_validity_seconds,
        "TokenType": "Bearer",
        "IdToken": emulator.tokens.id_token(principal),
    }
    if client.refresh_token_rotation:
        result["RefreshToken"] = emulator.tokens.refresh_token()
        # The new token expires with the original ("Refresh tokens", rotation).
        store.save_refresh_token(replace(found, token=result["RefreshToken"], retired_until=None))
        store.retire(found, client.refresh_token_retry_grace_period_seconds)
    return {"AuthenticationResult": result}


_OPERATIONS = {"GetTokensFromRefreshToken": get_tokens_from_refresh_token}
