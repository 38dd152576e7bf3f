"""Access tokens that passed validation, remembered until they expire.

A JWT's validity depends only on its signature, its claims and the clock, so an API
busy with the same token verifies its signature once per worker, not once per request.
Bounded, oldest first out; each operation is a single dict call, safe across threads.
"""

from __future__ import annotations

from typing import Any

MAX_ENTRIES = 4096


class ValidatedTokens:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: dict[str, tuple[dict[str, Any], float]] = {}

    def get(self, token: str, now: float) -> dict[str, Any] | None:
        """The token's claims if it was validated and is still valid at `now`."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        claims, valid_until = entry
        if valid_until <= now:
            self._entries.pop(token, None)
            return None
        return claims

    def put(self, token: str, claims: dict[str, Any], valid_until: float) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)), None)
        self._entries[token] = (claims, valid_until)
