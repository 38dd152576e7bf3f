"""Template filters that show times and claim values the way a person reads them."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from flask import Flask

#: Claims that hold epoch seconds (RFC 7519, OIDC Core).
TIME_CLAIMS = frozenset({"exp", "iat", "nbf", "auth_time", "updated_at"})


def utc_time(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def relative_time(epoch: float | None, now: float | None = None) -> str:
    """"in 59 minutes", "3 hours ago": the largest whole unit, rounded down."""
    if epoch is None:
        return ""
    delta = epoch - (time.time() if now is None else now)
    seconds = abs(int(delta))
    if seconds < 60:
        return "in less than a minute" if delta >= 0 else "less than a minute ago"
    unit, size = next((unit, size) for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60))
                      if seconds >= size)
    count = seconds // size
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {text}" if delta >= 0 else f"{text} ago"


def claim_value(name: str, value: Any) -> str:
    if name in TIME_CLAIMS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value} ({utc_time(value)})"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(utc_time)
    app.add_template_filter(relative_time)
    app.add_template_global(claim_value)
