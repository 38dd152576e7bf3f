"""WebAuthn's two ceremonies, registration and sign-in, with py_webauthn doing the verifying.

No Flask here: passkeys.py passes in what the pool and the request say. py_webauthn (Duo Labs'
`webauthn`, the extra `emulator-passkeys`) is imported only inside these functions, so the
emulator imports and runs without it until a pool offers passkeys (config.py refuses such a
pool when it is missing). What it checks (W3C Web Authentication, sections 7.1 and 7.2): the
response's type, the challenge, the origin, the rp id hash, user presence, user verification
when the pool requires it, the signature against the registered key, and the sign count.
Who owns the credential is the caller's check, against the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class PasskeyRefused(Exception):
    """The browser's answer is not a valid passkey response; the message says why (for the log)."""


@dataclass(frozen=True)
class RegisteredKey:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]


@dataclass(frozen=True)
class Assertion:
    """The parts of a sign-in answer read before verifying it: which passkey, for which user handle."""

    credential_id: bytes
    user_handle: bytes | None
    parsed: Any


@dataclass(frozen=True)
class RelyingParty:
    """The pool as a WebAuthn relying party: the id passkeys are bound to and the page origin."""

    id: str
    name: str
    origin: str
    #: "required" or "preferred" (Cognito's WebAuthnUserVerification).
    user_verification: str

    @property
    def requires_user_verification(self) -> bool:
        return self.user_verification == "required"


def registration_options(
    rp: RelyingParty, username: str, display_name: str, user_handle: bytes, registered: list[bytes], timeout_ms: int
) -> tuple[bytes, dict[str, Any]]:
    """The challenge and the options for ``navigator.credentials.create``: a discoverable credential
    (a passkey), none of the user's ``registered`` ones again, with py_webauthn's algorithms
    (EdDSA, ES256, RS256)."""
    from webauthn import generate_registration_options
    from webauthn.helpers import options_to_json_dict
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=username,
        user_id=user_handle,
        user_display_name=display_name,
        timeout=timeout_ms,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement(rp.user_verification),
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in registered],
    )
    return options.challenge, options_to_json_dict(options)


def verify_registration(rp: RelyingParty, response: str, challenge: bytes) -> RegisteredKey:
    """The new passkey in ``response`` (the browser's JSON), or PasskeyRefused."""
    from webauthn import verify_registration_response
    from webauthn.helpers import parse_registration_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        credential = parse_registration_credential_json(_json_object(response))
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=rp.requires_user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused(str(error) or type(error).__name__) from None
    transports = tuple(t.value for t in credential.response.transports or ())
    return RegisteredKey(verified.credential_id, verified.credential_public_key, verified.sign_count, transports)


def sign_in_options(rp: RelyingParty, allowed: list[bytes], timeout_ms: int) -> tuple[bytes, dict[str, Any]]:
    """The challenge and the options for ``navigator.credentials.get``; with no ``allowed``
    credentials the browser offers any passkey it holds for the rp id (a discoverable credential)."""
    from webauthn import generate_authentication_options
    from webauthn.helpers import options_to_json_dict
    from webauthn.helpers.structs import (
        PublicKeyCredentialDescriptor,
        UserVerificationRequirement,
    )

    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=timeout_ms,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in allowed],
        user_verification=UserVerificationRequirement(rp.user_verification),
    )
    return options.challenge, options_to_json_dict(options)


def read_assertion(response: str) -> Assertion:
    """Which passkey answered, before anything is verified: the caller looks it up and checks its owner."""
    from webauthn.helpers import parse_authentication_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        parsed = parse_authentication_credential_json(_json_object(response))
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused(str(error) or type(error).__name__) from None
    return Assertion(parsed.raw_id, parsed.response.user_handle, parsed)


def verify_assertion(
    rp: RelyingParty, assertion: Assertion, challenge: bytes, public_key: bytes, sign_count: int
) -> int:
    """The authenticator's new sign count if ``assertion`` is a valid answer to ``challenge``
    signed by ``public_key``, else PasskeyRefused."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_authentication_response(
            credential=assertion.parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=rp.requires_user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused(str(error) or type(error).__name__) from None
    return verified.new_sign_count


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise PasskeyRefused("the response is not JSON") from None
    if not isinstance(value, dict):
        raise PasskeyRefused("the response is not a JSON object")
    return value
