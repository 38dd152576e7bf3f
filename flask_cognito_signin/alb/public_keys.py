"""The load balancer's public keys: one PEM per key id at {ALB_PUBLIC_KEYS_URL}/{kid}, cached as the JWKS is.

Elastic Load Balancing user guide, "User claims encoding and signature verification": the ALB
signs x-amzn-oidc-data with ES256 (ECDSA, P-256, SHA-256) and publishes the public key of
each key id at https://public-keys.auth.elb.<region>.amazonaws.com/<kid>.

Each key id gets a SigningKeys of its own (oidc/signing_keys.py): its key is trusted for
KEYS_TTL, fetched one at a time, and after a failed fetch that failure is answered again for
backoff.RETRY_INTERVAL. What this module adds is for key ids taken from a header that anyone
reaching the app can send: at most MAX_KIDS are remembered (the least recently used goes); one
the endpoint does not know (403 or 404) is forgotten at once; key ids not seen before cause at
most NEW_KID_BURST fetches at once and then one per UNKNOWN_KID_INTERVAL, so forged key ids
cost the endpoint (and this app's workers) little. An answer is read with the app's timeout and
up to MAX_KEY_BYTES.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import requests
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from flask_cognito_signin.oidc.errors import OIDCError, ProviderBadResponse
from flask_cognito_signin.oidc.http import calling
from flask_cognito_signin.oidc.signing_keys import UNKNOWN_KID_INTERVAL, SigningKeys

#: Key ids remembered at once; an ALB signs with a few.
MAX_KIDS = 16
#: Fetches that key ids not seen before may cause at once, before they are limited to one per UNKNOWN_KID_INTERVAL.
NEW_KID_BURST = 4
#: A P-256 public key in PEM is under 200 bytes.
MAX_KEY_BYTES = 4096
#: What a key id may be before it becomes part of a URL (the ALB's are UUIDs): no dots, slashes or queries.
_KID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_CURVE = "P-256"


class UnknownKey(OIDCError):
    """The key endpoint has no key of this id (it answered 403 or 404): no load balancer signed with it."""

    code = "alb_key_unknown"


class LoadBalancerKeys:
    """The public keys of the load balancers of one region; safe to share between threads."""

    def __init__(self, base_url: str, timeout: float, clock: Callable[[], float]):
        self._base_url = base_url
        self._timeout = timeout
        self._clock = clock
        self._http = requests.Session()
        self._lock = threading.Lock()
        self._by_kid: OrderedDict[str, SigningKeys] = OrderedDict()
        self._new_kid_allowance = 0.0
        self._allowance_counted_at = float("-inf")

    def get(self, kid: str) -> KeySet | None:
        """The key `kid` names, or None: no ALB key has that id, or new key ids arrive faster than allowed.

        Raises OIDCError when the endpoint cannot tell (no answer in time, an error status).
        """
        if not _KID.match(kid):
            return None
        with self._lock:
            keys = self._by_kid.get(kid)
            if keys is None:
                if not self._allow_new_kid():
                    return None
                keys = self._by_kid[kid] = SigningKeys(lambda: self._fetch(kid), self._clock, document="alb_key")
                if len(self._by_kid) > MAX_KIDS:
                    self._by_kid.popitem(last=False)
            else:
                self._by_kid.move_to_end(kid)
        try:
            return keys.get(kid)
        except UnknownKey:
            with self._lock:
                if self._by_kid.get(kid) is keys:
                    del self._by_kid[kid]
            return None

    def _allow_new_kid(self) -> bool:
        """A token bucket, called under the lock: NEW_KID_BURST at once, refilled one per UNKNOWN_KID_INTERVAL."""
        now = self._clock()
        refill = (now - self._allowance_counted_at) / UNKNOWN_KID_INTERVAL
        self._new_kid_allowance = min(float(NEW_KID_BURST), self._new_kid_allowance + refill)
        self._allowance_counted_at = now
        if self._new_kid_allowance < 1:
            return False
        self._new_kid_allowance -= 1
        return True

    def _fetch(self, kid: str) -> dict[str, Any]:
        """The key of `kid` as a one-key JWK set, the form SigningKeys keeps."""
        url = f"{self._base_url}/{kid}"
        with calling("ALB public key", url, "ALB_PUBLIC_KEYS_URL"):
            response = self._http.get(url, timeout=self._timeout, stream=True,
                                      allow_redirects=False)
            with response:
                if response.status_code in (403, 404):
                    raise UnknownKey(f"ALB public key: the endpoint has no key {kid} (HTTP {response.status_code})")
                if response.status_code != 200:
                    raise ProviderBadResponse(f"ALB public key: HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_content(1024):
                    body += chunk
                    if len(body) > MAX_KEY_BYTES:
                        raise ProviderBadResponse(f"ALB public key: the answer is over {MAX_KEY_BYTES} bytes")
        try:
            key = ECKey.import_key(body, {"kid": kid})
        except (JoseError, ValueError, TypeError) as error:
            why = type(error).__name__
            raise ProviderBadResponse(f"ALB public key: not an EC public key in PEM ({why})") from error
        if key.is_private or key.curve_name != _CURVE:
            raise ProviderBadResponse(f"ALB public key: not a {_CURVE} public key")
        return {"keys": [key.as_dict(private=False)]}
