"""The .env that `flask cognito provision` writes, and the settings `flask cognito emulator` writes into one:
what it holds, and writing it without leaking or clobbering.

The file holds the app client secret and the session key, so it is created readable by its
owner only (0600), and an existing one is replaced only when asked to, in one step.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Collection, Mapping
from contextlib import suppress
from datetime import date
from pathlib import Path

from .provision import Provisioned


def render(
    provisioned: Provisioned,
    pool_name: str,
    client_name: str,
    discovery: Mapping[str, str],
    app_base_url: str,
    hosted_ui_domain: str,
) -> str:
    """The file's text; `discovery` is COGNITO_REGION and COGNITO_USER_POOL_ID, or OIDC_DISCOVERY_URL.

    Values are written unquoted, as every .env reader (python-dotenv, docker, systemd) takes them
    alike: none holds a space, a quote or a #, the base URL having been checked for them.
    """
    lines = [
        f"# Written by `flask cognito provision` on {date.today().isoformat()} for the user pool {pool_name}.",
        "# It holds secrets: keep it out of version control, readable by you only.",
        "",
        "# Signs the session cookie. Changing it signs everyone out.",
        f"SECRET_KEY={secrets.token_hex(32)}",
        "",
        "# The user pool, whose discovery document the app imports.",
        *(f"{name}={value}" for name, value in discovery.items()),
        "",
        f"# The app client {client_name}: confidential, authorization code grant, secret sent in the request body.",
        f"OIDC_CLIENT_ID={provisioned.client_id}",
        f"OIDC_CLIENT_SECRET={provisioned.client_secret}",
        "OIDC_CLIENT_AUTH_METHOD=client_secret_post",
        "",
        "# Where the app is served. Registered with the app client: this URL followed by /oauth/v2/callback",
        "# as the callback URL, and followed by / as the sign-out URL.",
        f"APP_BASE_URL={app_base_url}",
        "",
        "# The hosted UI (sign-in and sign-out pages) of the pool's domain.",
        f"COGNITO_DOMAIN={hosted_ui_domain}",
    ]
    return "\n".join(lines) + "\n"


#: A line that sets a variable, as python-dotenv reads one: `NAME=…` or `export NAME=…`.
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
SET_ASIDE = "# set aside by flask cognito emulator: "


def assigned(text: str) -> set[str]:
    """The names that lines of `text` (a .env's) set."""
    return {match.group(1) for match in map(_ASSIGNMENT.match, text.splitlines()) if match}


def update(text: str, values: Mapping[str, str], set_aside: Collection[str], heading: str) -> tuple[str, list[str]]:
    """`text` (a .env's) with `values` set, and the names it set aside; every other line is kept as it is.

    A name's line is rewritten where it stands, and a second line for it dropped (the last one
    would win); names not there yet go at the end under the comment `heading`. The lines of
    `set_aside` (settings that would point the app elsewhere) become comments, to restore by hand.
    Values are written unquoted: they are URLs, IDs and secrets without spaces, quotes or #.
    """
    lines, written, aside = [], set(), []
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        name = match.group(1) if match else None
        if name in values:
            if name not in written:
                lines.append(f"{name}={values[name]}")
                written.add(name)
        elif name in set_aside:
            lines.append(SET_ASIDE + line.strip())
            aside.append(name)
        else:
            lines.append(line)
    missing = [name for name in values if name not in written]
    if missing:
        if lines and lines[-1].strip():
            lines.append("")
        lines += [f"# {heading}", *(f"{name}={values[name]}" for name in missing)]
    return "\n".join(lines) + "\n", aside


def write(path: Path, text: str, *, force: bool) -> None:
    """Create `path` with mode 0600; an existing file raises FileExistsError unless `force`."""
    if not force:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(text)
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        os.replace(temporary, path)  # all at once, whatever mode the file it replaces had
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
