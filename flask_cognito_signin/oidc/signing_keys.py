"""The provider's signing keys (its JWKS): cached for a bounded time, fetched one at a time, never at a forger's cue.

- A key set is trusted for KEYS_TTL seconds, then fetched again on next use, so a key the
  provider withdraws stops verifying within that time.
- A token naming a key id the set lacks triggers a fetch, so key rotation works at once.
  Tokens from the token endpoint (the answer to our own request, over authenticated TLS) may
  always do so. Any other token (a bearer token anyone can send) only when no fetch was
  attempted in the last UNKNOWN_KID_INTERVAL seconds, failed or not: forged key ids cost the
  provider at most one request per interval per process.
- One fetch at a time: whoever needs the keys while a fetch is under way waits for its
  result instead of fetching again.
- After a failed fetch, bearer tokens get that failure again without a fetch for
  backoff.RETRY_INTERVAL seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from flask_cognito_signin.signals import provider_document_fetched

from .backoff import FailureBackoff
from .errors import OIDCError, ProviderBadResponse

log = logging.getLogger(__name__)

#: Seconds a fetched key set is used before it is fetched again.
KEYS_TTL = 3600.0
#: Seconds between two fetches caused by unknown key ids in tokens not from the token endpoint.
UNKNOWN_KID_INTERVAL = 60.0


class SigningKeys:
    """One provider's key set; safe to share between threads. `document` names it in the fetch signal."""

    def __init__(self, fetch_document: Callable[[], dict[str, Any]], clock: Callable[[], float],
                 document: str = "jwks"):
        self._fetch_document = fetch_document
        self._clock = clock
        self._document = document
        self._changed = threading.Condition()
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._attempts = 0
        self._fetching = False
        self._backoff = FailureBackoff(clock)

    def get(self, kid: str | None, *, from_token_endpoint: bool = False) -> KeySet:
        """A fresh key set, with the key `kid` names if the provider publishes it.

        When the key stays unknown, the set is returned anyway: the signature check refuses
        the token. Raises OIDCError when no fresh set can be had.
        """
        with self._changed:
            attempts_when_asked = self._attempts
            while True:
                keys = self._fresh_keys()
                if keys is not None and (kid is None or _has_kid(keys, kid)):
                    return keys
                if not self._fetching:
                    break
                self._changed.wait()
            # A fetch that started after we asked has ended: its answer is ours too.
            fetched_since_asked = self._attempts > attempts_when_asked
            recently_attempted = self._clock() - self._attempted_at < UNKNOWN_KID_INTERVAL
            if keys is not None and (fetched_since_asked or (recently_attempted and not from_token_endpoint)):
                return keys  # the kid stays unknown (forged, or rotated too recently for a bearer token)
            if keys is None and (fetched_since_asked or not from_token_endpoint):
                self._backoff.check()  # no fresh keys: after a failure, the same failure until the back-off ends
            self._fetching, self._attempts, self._attempted_at = True, self._attempts + 1, self._clock()
        outcome: KeySet | OIDCError | None = None
        try:
            outcome = self._fetch()
        except OIDCError as error:
            outcome = error
        finally:
            self._finish(outcome)
        if isinstance(outcome, KeySet):
            return outcome
        if keys is None:
            raise outcome
        log.warning("JWKS not fetched again (%s); the key set in use is kept", outcome.explanation)
        return keys

    def trusted_until(self, keys: KeySet) -> float:
        """Until when what `keys` verified may be remembered: the set's expiry, or now if it was replaced."""
        with self._changed:
            return self._fetched_at + KEYS_TTL if keys is self._keys else self._clock()

    def _fresh_keys(self) -> KeySet | None:
        return self._keys if self._clock() - self._fetched_at < KEYS_TTL else None

    def _fetch(self) -> KeySet:
        listed = self._fetch_document().get("keys")
        if not isinstance(listed, list):
            raise ProviderBadResponse("JWKS: no list of keys")
        keys = [key for key in listed if isinstance(key, dict) and key.get("use", "sig") == "sig"]
        try:
            return KeySet.import_key_set({"keys": keys})
        except (JoseError, ValueError, TypeError) as error:
            raise ProviderBadResponse(f"JWKS: keys cannot be read ({error})") from error

    def _finish(self, outcome: KeySet | OIDCError | None) -> None:
        """Record how the fetch ended (None: an unexpected exception) and wake whoever waits for it."""
        with self._changed:
            self._fetching = False
            if isinstance(outcome, KeySet):
                self._keys, self._fetched_at = outcome, self._clock()
                self._backoff.succeeded()
            elif outcome is not None:
                self._backoff.failed(outcome)
            self._changed.notify_all()
        code = "ok" if isinstance(outcome, KeySet) else outcome.code if outcome is not None else "error"
        provider_document_fetched.send(self._document, outcome=code)


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys)
