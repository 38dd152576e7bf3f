"""Sign-ins under way, kept by the browser until their callback: one encrypted cookie each.

A sign-in that has not finished belongs to nobody yet, so the server stores nothing about it:
cookieless /login requests could otherwise fill the session store. Its state, nonce, PKCE
verifier, redirect URI, return path and (for a step-up) max_age travel in a cookie that only
this app can read or make, as mod_auth_openidc's state cookies and oauth2-proxy's CSRF cookies do.

- Encrypted and authenticated with joserfc's JWE (`dir`, `A256GCM`) under a key that HKDF
  derives from SECRET_KEY with a purpose label of its own: signing alone (itsdangerous) would
  show the nonce and the PKCE verifier to anything that reads the cookie jar.
- One cookie per sign-in, named after a hash of its state: tabs signing in at once never
  overwrite each other (one cookie holding a list would lose one of two racing /login answers).
- Bounded: /login keeps the newest MAX_PENDING_SIGN_INS, within PENDING_COOKIES_BUDGET bytes,
  and deletes the others, so the Cookie header stays within what servers accept.
- `__Host-` over https (Secure, Path=/, no Domain): no sibling subdomain can plant a sign-in of
  its own in this browser (login CSRF). Path=/ is also what lets /login see, and so count, them.
- Single use: the callback deletes its cookie whatever the outcome. A copy kept and replayed
  brings a code the provider has redeemed already (codes are single-use, RFC 6749 4.1.2), and
  its PKCE verifier fits that code only.
- Short-lived: Max-Age is the sign-in lifetime, and the expiry sealed inside is checked too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from werkzeug.wrappers import Response

from flask_cognito_signin.oidc.signin import PendingSignIn

#: Seconds a user may spend at the identity provider between /login and the callback.
SIGN_IN_LIFETIME = 600
#: Sign-ins one browser may have under way at once (a few tabs); a new one replaces the oldest.
MAX_PENDING_SIGN_INS = 4
#: Bytes the pending cookies may take together in the Cookie header. Servers refuse longer header
#: fields (gunicorn and nginx: 8 kB) and the session's and the host's own cookies need room too;
#: one cookie, even with the longest return path allowed, fits in it.
PENDING_COOKIES_BUDGET = 4096

_PURPOSE = b"flask-cognito-signin pending sign-in cookie v1"
_HEADER = {"alg": "dir", "enc": "A256GCM"}
_ONLY_DIR_A256GCM = jwe.JWERegistry(algorithms=["dir", "A256GCM"])
_EXPIRES = "exp"


class PendingSignIns:
    """Seals pending sign-ins into cookies and opens them again; holds no state of its own."""

    def __init__(self, secret_key: str, *, secure: bool):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode())
        self._key = OctKey.import_key(derived)
        self.secure = secure
        #: Every pending cookie's name starts so; /login counts the cookies it finds under it.
        self.prefix = ("__Host-" if secure else "") + "cognito_pending."

    def cookie_name(self, state: str) -> str:
        """A fixed-length name for the sign-in of `state`, whatever a callback claims its state is."""
        digest = hashlib.sha256(state.encode()).digest()[:16]
        return self.prefix + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def seal(self, pending: PendingSignIn, expires_at: float) -> str:
        payload = orjson.dumps({**pending.as_dict(), _EXPIRES: expires_at})
        return jwe.encrypt_compact(_HEADER, payload, self._key, registry=_ONLY_DIR_A256GCM)

    def unseal(self, sealed: str, now: float) -> tuple[PendingSignIn, float] | None:
        """The sign-in in a cookie this app made and its expiry; None for anything else, or when expired."""
        try:
            data = orjson.loads(jwe.decrypt_compact(sealed, self._key, registry=_ONLY_DIR_A256GCM).plaintext)
            expires_at = data.pop(_EXPIRES)
            pending = PendingSignIn.from_dict(data)
        except (JoseError, ValueError, TypeError, KeyError, AttributeError):
            return None  # not sealed by this app's key (another SECRET_KEY, a forgery), or not our payload
        if not all(isinstance(value, str) for name, value in data.items() if name != "max_age"):
            return None
        if pending.max_age is not None and (type(pending.max_age) is not int or pending.max_age < 0):
            return None
        if not isinstance(expires_at, (int, float)) or expires_at <= now:
            return None
        return pending, expires_at

    def remember(self, pending: PendingSignIn, cookies: Mapping[str, str], response: Response, now: float) -> None:
        """Set the new sign-in's cookie, and delete those of older ones beyond the bound."""
        name, sealed = self.cookie_name(pending.state), self.seal(pending, now + SIGN_IN_LIFETIME)
        others = sorted(((self._expiry(value, now), other, value) for other, value in cookies.items()
                         if other.startswith(self.prefix) and other != name), reverse=True)  # newest first
        kept, size = 1, _cookie_size(name, sealed)
        for expires_at, other, value in others:
            if expires_at < now or kept >= MAX_PENDING_SIGN_INS or \
                    size + _cookie_size(other, value) > PENDING_COOKIES_BUDGET:
                self.forget(other, response)
            else:
                kept, size = kept + 1, size + _cookie_size(other, value)
        response.set_cookie(name, sealed, max_age=SIGN_IN_LIFETIME, path="/", secure=self.secure, httponly=True,
                            samesite="Lax")

    def _expiry(self, sealed: str, now: float) -> float:
        """When a cookie's sign-in expires; -inf for one expired, broken or sealed by another key."""
        opened = self.unseal(sealed, now)
        return opened[1] if opened else float("-inf")

    def take(self, state: str, cookies: Mapping[str, str], now: float) -> PendingSignIn | None:
        """The sign-in this browser started with `state`, if its cookie is here, sealed by us and current.

        The caller deletes the cookie (`forget`) in its answer, whatever the outcome.
        """
        sealed = cookies.get(self.cookie_name(state))
        opened = self.unseal(sealed, now) if sealed else None
        if opened is None or not hmac.compare_digest(opened[0].state.encode(), state.encode()):
            return None
        return opened[0]

    def forget(self, name: str, response: Response) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="Lax")


def _cookie_size(name: str, value: str) -> int:
    """What the cookie adds to the Cookie header: `name=value; `."""
    return len(name) + len(value) + 3
