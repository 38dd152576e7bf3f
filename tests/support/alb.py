"""An Application Load Balancer in tests: its ES256 keys, its x-amzn-oidc-data, its key endpoint on `responses`.

Tokens are signed with `cryptography` directly, not with joserfc (which the app verifies
with) nor with the emulator's signer, so a shared mistake cannot make a test pass. They look
like the ELB guide's ("User claims encoding and signature verification"): header fields
alg, kid, signer, iss, client, exp; userinfo claims in the payload; every segment
base64url-encoded with its `=` padding, the signature computed over the padded segments.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import responses
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.support.cognito import CLIENT_ID, ISSUER, PoolUser

ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/rp-alb/50dc6c495c0c9188"
OTHER_ARN = "arn:aws:elasticloadbalancing:eu-west-1:999999999999:loadbalancer/app/evil-alb/0000000000000bad"
KEYS_URL = "https://public-keys.auth.elb.eu-west-1.amazonaws.com"


@dataclass
class ALBKey:
    kid: str = field(default_factory=lambda: str(uuid.uuid4()))
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, header: dict[str, Any], claims: dict[str, Any], *, padded: bool = True) -> str:
        segments = [_b64(json.dumps({"alg": "ES256", "kid": self.kid, **header}).encode(), padded),
                    _b64(json.dumps(claims).encode(), padded)]
        r, s = decode_dss_signature(self.private_key.sign(".".join(segments).encode(), ec.ECDSA(hashes.SHA256())))
        return ".".join([*segments, _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"), padded)])


def _b64(data: bytes, padded: bool) -> str:
    encoded = base64.urlsafe_b64encode(data).decode()
    return encoded if padded else encoded.rstrip("=")


def user_claims(user: PoolUser, now: float | None = None, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and payload an ALB sends for `user` (the userinfo claims, with Cognito's string booleans)."""
    exp = int(now if now is not None else time.time()) + 120
    header = {"typ": "JWT", "signer": ARN, "iss": ISSUER, "client": CLIENT_ID, "exp": exp}
    payload = {"sub": user.sub, "email_verified": "true" if user.email_verified else "false", "email": user.email,
               "username": user.username, "exp": exp, "iss": ISSUER}
    for name, value in changes.items():
        target = payload if name.startswith("payload_") else header
        name = name.removeprefix("payload_")
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return header, payload


class KeyEndpoint:
    """The regional public-keys endpoint on `responses`: a PEM per kid, 403 for any other (as S3 answers)."""

    def __init__(self, mock: responses.RequestsMock, *keys: ALBKey, base_url: str = KEYS_URL):
        self.mock = mock
        self.base_url = base_url
        self.keys = {key.kid: key for key in keys}
        #: Replaces the answer: a function (request, kid) -> (status, headers, body), or None.
        self.answer = None
        mock.add_callback(responses.GET, re.compile(re.escape(base_url) + r"/.*"), callback=self._serve)

    def _serve(self, request):
        kid = request.url.removeprefix(self.base_url + "/")
        if self.answer is not None:
            return self.answer(request, kid)
        key = self.keys.get(kid)
        return (200, {}, key.pem()) if key else (403, {}, "<Error><Code>AccessDenied</Code></Error>")

    def fetches(self, kid: str | None = None) -> int:
        return sum(call.request.url.startswith(self.base_url + "/" + (kid or "")) for call in self.mock.calls)
