"""A software WebAuthn authenticator for tests without a browser: one EC P-256 passkey.

It answers the options a relying party sends as a browser and a platform authenticator would
(W3C Web Authentication, sections 6.1 and 6.5: authenticator data, a "none" attestation, an
ES256 signature over the authenticator data and the client data's hash), in the JSON shape of
PublicKeyCredential.toJSON(). Each part can be given wrong (origin, rp id, challenge) so that a
test can prove the relying party refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

_USER_PRESENT, _USER_VERIFIED, _ATTESTED_DATA = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One passkey: ``create`` makes it for the options' user, ``get`` signs in with it."""

    def __init__(self, origin: str, user_verified: bool = True) -> None:
        self.origin = origin
        self.user_verified = user_verified
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0
        self.rp_id: str | None = None
        self.user_handle: bytes | None = None

    def create(self, options: dict[str, Any], origin: str | None = None, rp_id: str | None = None) -> str:
        """The answer to ``navigator.credentials.create({publicKey: options})``, as JSON text."""
        self.rp_id = options["rp"]["id"]
        self.user_handle = from_b64url(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose_key = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + cose_key
        auth_data = self._auth_data(rp_id or self.rp_id, _ATTESTED_DATA) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps({
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                         "transports": ["internal"]},
            "clientExtensionResults": {},
        })

    def get(
        self, options: dict[str, Any], origin: str | None = None, rp_id: str | None = None,
        user_handle: bytes | None = None, send_user_handle: bool = True,
    ) -> str:
        """The answer to ``navigator.credentials.get({publicKey: options})``, as JSON text."""
        self.sign_count += 1
        auth_data = self._auth_data(rp_id or self.rp_id or options["rpId"], 0)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        response = {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature)}
        if send_user_handle:  # authenticators return it for discoverable credentials (WebAuthn 6.3.3)
            response["userHandle"] = b64url(user_handle or self.user_handle or b"")
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "response": response, "clientExtensionResults": {}})

    def _auth_data(self, rp_id: str, extra_flags: int) -> bytes:
        flags = _USER_PRESENT | (_USER_VERIFIED if self.user_verified else 0) | extra_flags
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + self.sign_count.to_bytes(4, "big")

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()
