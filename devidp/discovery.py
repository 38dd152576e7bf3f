"""The issuer origin: OpenID discovery document and JWKS, hand-written in Cognito's shape.

Authlib has no discovery endpoint for servers. Served on the cognito-idp
origin under ``/{poolId}``, while every endpoint the document lists is on the
pool's domain, as a current pool's document does (it also lists the
domain's ``/logout`` as ``end_session_endpoint`` and ``/oauth2/revoke`` as
``revocation_endpoint``). Cognito developer guide: "User pool endpoints and
managed login reference" (the OIDC discovery endpoint).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify

from .config import SUPPORTED_SCOPES
from .context import current_emulator

bp = Blueprint("discovery", __name__)


def _check_pool(pool_id: str) -> None:
    if pool_id != current_emulator().pool.pool_id:
        abort(404, f"User pool {pool_id} does not exist.")


@bp.get("/<pool_id>/.well-known/openid-configuration")
def openid_configuration(pool_id: str) -> Response:
    _check_pool(pool_id)
    emulator = current_emulator()
    return jsonify(
        {
            "authorization_endpoint": emulator.url("/oauth2/authorize"),
            "end_session_endpoint": emulator.url("/logout"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "issuer": emulator.issuer,
            "jwks_uri": f"{emulator.issuer}/.well-known/jwks.json",
            "response_types_supported": ["code", "token"],
            "revocation_endpoint": emulator.url("/oauth2/revoke"),
            "scopes_supported": list(SUPPORTED_SCOPES),
            "subject_types_supported": ["public"],
            "token_endpoint": emulator.url("/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "userinfo_endpoint": emulator.url("/oauth2/userInfo"),
        }
    )


@bp.get("/<pool_id>/.well-known/jwks.json")
def jwks(pool_id: str) -> Response:
    _check_pool(pool_id)
    return jsonify(current_emulator().keys.jwks())
