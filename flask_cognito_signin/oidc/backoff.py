"""After a failed fetch from the provider, the same failure is answered for a while instead of fetching again.

Without it every request would retry a provider that is down or misconfigured, turning one
outage into one call per request per worker. Not thread-safe: callers hold their own lock.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import OIDCError

#: Seconds after a failed discovery or JWKS fetch during which it is not tried again.
RETRY_INTERVAL = 10.0


class FailureBackoff:
    def __init__(self, clock: Callable[[], float], interval: float = RETRY_INTERVAL):
        self._clock = clock
        self.interval = interval
        self._failure: OIDCError | None = None
        self._failed_at = float("-inf")

    def check(self) -> None:
        """Raise the last failure again (a copy, with its cause and fix), until the interval has passed."""
        if self._failure is None:
            return
        wait = self._failed_at + self.interval - self._clock()
        if wait > 0:
            raise self._failure.repeated(f" (not tried again for {wait:.0f} s)")

    def failed(self, error: OIDCError) -> None:
        self._failure, self._failed_at = error, self._clock()

    def succeeded(self) -> None:
        self._failure = None
