"""x-amzn-oidc-data: the user claims an Application Load Balancer signs for every request it forwards.

Elastic Load Balancing user guide, "User claims encoding and signature verification": a JWT
whose header holds `alg` (ES256), `kid`, `signer` (the ALB's ARN), `iss` (the identity
provider), `client` (the app client ID) and `exp`, and whose payload holds the claims of the
provider's userinfo endpoint. Every ALB of every AWS account in a region signs with that
region's keys, so a valid signature only says "some ALB": `signer` says which, and `client`
which app client, and both must be this app's.

The ALB's quirk: it base64url-encodes each segment with `=` padding, which RFC 7515 forbids
and joserfc's decoder refuses. The signature covers the segments as sent, padding and all
(the guide verifies them with PyJWT, which signs and verifies the segments as they are), so
the segments are decoded without their padding while joserfc checks the ES256 signature over
the segments exactly as received. Unpadded tokens pass the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from joserfc.errors import JoseError
from joserfc.jws import CompactSignature, JWSRegistry, validate_compact
from joserfc.util import urlsafe_b64decode

from flask_cognito_signin.oidc.errors import OIDCError
from flask_cognito_signin.oidc.tokens import CLOCK_SKEW

from .public_keys import LoadBalancerKeys

ALGORITHM = "ES256"
#: The ALB refuses to forward more than 11K bytes of claims and access token (ELB guide, "Authentication flow").
MAX_TOKEN_LENGTH = 16 * 1024
#: A base64url segment, with the ALB's padding or without.
_SEGMENT = re.compile(rb"^([A-Za-z0-9_-]+)(={0,2})$")
#: ES256 only, with the ALB's own header fields allowed beside the registered ones.
_ES256_ONLY = JWSRegistry(algorithms=[ALGORITHM], strict_check_header=False)


class ALBClaimsRefused(OIDCError):
    """x-amzn-oidc-* headers that no load balancer of this app sent: forged, for another ALB or app, or expired."""

    code = "alb_claims_refused"
    status = 401
    title = "Sign-in could not be verified"
    message = ("The load balancer's sign-in could not be verified for this request. Reload the page; if this "
               "happens again, sign out and sign in again.")


class ALBKeysUnavailable(OIDCError):
    """The load balancer's public key could not be fetched: nobody's sign-in can be checked for now."""

    code = "alb_keys_unavailable"
    status = 503
    title = "Sign-in cannot be checked right now"
    message = "The load balancer's keys could not be fetched, so your sign-in cannot be checked. Please try again soon."


@dataclass(frozen=True)
class UserClaims:
    """A verified x-amzn-oidc-data: the userinfo claims (read-only) and when the ALB said they expire."""

    claims: Mapping[str, Any]
    expires_at: int


def verify_user_claims(token: str, *, keys: LoadBalancerKeys, signer: str, client_id: str, issuer: str,
                       now: float) -> UserClaims:
    """The claims of `token` if this app's load balancer signed them for this app's client, not yet expired.

    Raises ALBClaimsRefused (never naming the token), or ALBKeysUnavailable.
    """
    header_segment, payload_segment, signature_segment = _segments(token)
    header = _json_object(header_segment, "header")
    if header.get("alg") != ALGORITHM:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: alg is {_shown(header.get('alg'))}, not {ALGORITHM}")
    if header.get("signer") != signer:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: signed by another load balancer ({_shown(header.get('signer'))})")
    if header.get("client") != client_id:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: for another app client ({_shown(header.get('client'))})")
    if header.get("iss") != issuer:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: from another issuer ({_shown(header.get('iss'))})")
    expires_at = _expiry(header.get("exp"), now, "header")
    payload = _json_object(payload_segment, "payload")
    signature = CompactSignature(header, _decoded(payload_segment))
    signature.segments = {"header": header_segment, "payload": payload_segment, "signature": signature_segment}
    kid = header.get("kid")
    if not _verified(signature, _key_of(keys, kid)):
        raise ALBClaimsRefused(f"x-amzn-oidc-data: the signature does not verify with the key {_shown(kid)}")
    if not isinstance(payload.get("sub"), str) or not payload["sub"]:
        raise ALBClaimsRefused("x-amzn-oidc-data: sub is missing or empty")
    if payload.get("iss", issuer) != issuer:
        raise ALBClaimsRefused("x-amzn-oidc-data: the payload names another issuer than the header")
    if "exp" in payload:
        expires_at = min(expires_at, _expiry(payload["exp"], now, "payload"))
    return UserClaims(MappingProxyType(payload), expires_at)


def _segments(token: str) -> tuple[bytes, bytes, bytes]:
    """The three segments as received, each checked to be base64url with at most the ALB's padding."""
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise ALBClaimsRefused("x-amzn-oidc-data: too long, or not ASCII")
    segments = token.encode().split(b".")
    if len(segments) != 3 or not all(_SEGMENT.match(segment) for segment in segments):
        raise ALBClaimsRefused("x-amzn-oidc-data: not three base64url segments")
    header, payload, signature = segments
    return header, payload, signature.rstrip(b"=")


def _decoded(segment: bytes) -> bytes:
    """A segment's bytes: the padding dropped, the rest decoded strictly (canonical base64url only)."""
    try:
        return urlsafe_b64decode(segment.rstrip(b"="))
    except ValueError as error:  # binascii.Error is a ValueError
        raise ALBClaimsRefused("x-amzn-oidc-data: a segment is not canonical base64url") from error


def _json_object(segment: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_decoded(segment))
    except ValueError as error:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: the {what} is not JSON") from error
    if not isinstance(value, dict):
        raise ALBClaimsRefused(f"x-amzn-oidc-data: the {what} is not a JSON object")
    return value


def _expiry(exp: object, now: float, where: str) -> int:
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise ALBClaimsRefused(f"x-amzn-oidc-data: the {where}'s exp is missing or not a number of seconds")
    if exp + CLOCK_SKEW < now:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: expired {int(now - exp)} s ago")
    return exp


def _key_of(keys: LoadBalancerKeys, kid: object):
    if not isinstance(kid, str):
        raise ALBClaimsRefused("x-amzn-oidc-data: the header has no kid")
    try:
        key = keys.get(kid)
    except OIDCError as error:
        raise ALBKeysUnavailable(error.detail) from error
    if key is None:
        raise ALBClaimsRefused(f"x-amzn-oidc-data: no load balancer key has the id {_shown(kid)}")
    return key


def _verified(signature: CompactSignature, key) -> bool:
    """joserfc's ES256 check of the signature over the segments as received."""
    try:
        return validate_compact(signature, key, registry=_ES256_ONLY)
    except (JoseError, ValueError, TypeError):
        return False


def _shown(value: object) -> str:
    """A value from the header, for a log line: quoted, escaped and cut short."""
    return ascii(value)[:80]
