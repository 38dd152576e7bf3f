"""The endpoints relying parties call server-to-server: token, userInfo, revoke.

All three are Authlib's (token endpoint, RFC 6750 resource protection,
RFC 7009 revocation); only the userInfo body is Cognito-specific.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .context import current_emulator
from .tokens import userinfo_claims

bp = Blueprint("api", __name__)


@bp.post("/oauth2/token")
def token() -> Response:
    return current_emulator().server.create_token_response()


@bp.route("/oauth2/userInfo", methods=["GET", "POST"])
def userinfo() -> Response:
    with current_emulator().userinfo.acquire("openid") as access_token:
        return jsonify(
            userinfo_claims(access_token.user, access_token.client, access_token.get_scope())
        )


@bp.post("/oauth2/revoke")
def revoke() -> Response:
    return current_emulator().server.create_endpoint_response("revocation")
