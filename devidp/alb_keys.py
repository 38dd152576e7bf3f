"""The emulated load balancer's signing key, its x-amzn-oidc-data, and the endpoint that publishes the key.

Elastic Load Balancing user guide, "User claims encoding and signature verification": the ALB
signs the user claims as a JWT with ES256 (ECDSA, P-256, SHA-256) whose header holds `alg`,
`kid`, `signer` (the ALB's ARN), `iss`, `client` and `exp`, base64url-encodes each segment
with its `=` padding (which strict JWT decoders refuse), and publishes the public key of each
key id as a PEM at https://public-keys.auth.elb.<region>.amazonaws.com/<kid>. The emulator
does the same with a key of its own, made at start (a restart is a key rotation), served on
the issuer origin at /elb-public-keys/<kid>. The signature is joserfc's.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry

ALGORITHM = "ES256"
#: Where the issuer origin serves the keys, as the regional endpoint does at its root.
PUBLIC_KEYS_PATH = "/elb-public-keys"
_ES256 = JWSRegistry(algorithms=[ALGORITHM]).get_alg(ALGORITHM)
_EXTENSION_KEY = "devidp.alb_keys"


@dataclass(frozen=True)
class LoadBalancerKey:
    """One ES256 key pair with a UUID key id, as an ALB's."""

    kid: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", private=True), repr=False)

    def public_pem(self) -> bytes:
        return self.key.as_pem(private=False)

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        """The ALB's JWT: `header` (this key's alg and kid added) and `claims`, each segment padded as the ALB does."""
        segments = [_padded(json.dumps({**header, "alg": ALGORITHM, "kid": self.kid}).encode()),
                    _padded(json.dumps(claims).encode())]
        signing_input = b".".join(segments)
        return b".".join([signing_input, _padded(_ES256.sign(signing_input, self.key))]).decode()


def _padded(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data)  # with "=" padding, as the ALB sends it


bp = Blueprint("alb_keys", __name__, url_prefix=PUBLIC_KEYS_PATH)


@bp.get("/<kid>")
def public_key(kid: str) -> Response:
    """The PEM of a key the emulated ALB signs with; 403 for any other id, as an S3-backed endpoint answers."""
    key: LoadBalancerKey = current_app.extensions[_EXTENSION_KEY]
    if kid != key.kid:
        return Response("AccessDenied\n", 403, mimetype="text/plain")
    return Response(key.public_pem(), 200, mimetype="application/x-pem-file")


def publish(issuer_app: Any, key: LoadBalancerKey) -> None:
    """Serve `key` from the issuer origin (the emulator's stand-in for the regional endpoint)."""
    issuer_app.extensions[_EXTENSION_KEY] = key
    issuer_app.register_blueprint(bp)
