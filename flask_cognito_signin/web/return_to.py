"""Where to send the browser after sign-in: only ever a path on this site (no open redirects)."""

from __future__ import annotations

_MAX_LENGTH = 2048


def safe_return_to(value: str | None) -> str:
    """`value` when it is a same-site absolute path such as /reports?id=1, otherwise "/".

    Browsers read a backslash as a slash and drop tabs and newlines inside URLs, so any of
    those, any other control or non-ASCII character, and any scheme or authority (`//host`)
    is refused rather than cleaned: a cleaned attack string is still an attack string.
    """
    if not value or len(value) > _MAX_LENGTH:
        return "/"
    if not value.isascii() or not value.isprintable() or " " in value or "\\" in value:
        return "/"
    if not value.startswith("/") or value.startswith("//"):
        return "/"  # a path that starts with one slash has no scheme and no authority
    return value
