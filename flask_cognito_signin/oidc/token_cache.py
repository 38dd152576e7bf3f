"""Access tokens that passed validation, remembered until they expire.

A JWT's validity depends only on its signature, its claims and the clock, so an API
busy with the same token verifies its signature once per worker, not once per request.
Bounded, oldest first out. Reads are single dict calls; writes (one per new token) take a
lock, so two threads evicting at once cannot trip over each other.
"""

from __future__ import annotations

import threading
from typing import Any

MAX_ENTRIES = 4096


class ValidatedTokens:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Any, float]] = {}
        self._writing = threading.Lock()

    def get(self, token: str, now: float) -> Any | None:
        """What validating the token gave, if it was validated and is still valid at `now`."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        validated, valid_until = entry
        if valid_until <= now:
            self._entries.pop(token, None)
            return None
        return validated

    def put(self, token: str, validated: Any, valid_until: float) -> None:
        with self._writing:
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)), None)
            self._entries[token] = (validated, valid_until)
