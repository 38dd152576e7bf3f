"""The user pool `flask cognito emulator` serves for one app, kept in the app's instance folder.

The first run writes `<instance folder>/cognito-emulator/pool.toml`: two test users and an app
client (its ID and secret drawn then) registered for the app's callback and sign-out URLs.
Later runs read it back, so the client, and so a `.env` written once, stays right; the users
the admin API adds or changes are written there too, so they outlive a restart. A run for
another app URL or url_prefix registers those URLs as well. The emulator's signing keys live
beside it (`devidp/`), so tokens it signed stay verifiable across restarts.
"""

from __future__ import annotations

import logging
import secrets
import string
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the emulator is imported when the command runs, not with every app
    from devidp import PoolConfig

log = logging.getLogger(__name__)

FOLDER = "cognito-emulator"
POOL_ID = "us-east-1_LocalPool1"
#: The users of a new pool: an administrator and a user in no group, to try groups_required with.
TEST_USERS: tuple[dict[str, Any], ...] = (
    {"username": "test-user", "password": "Test-Password-1", "email": "test-user@example.com",
     "email_verified": True, "groups": ["admins"]},
    {"username": "test-guest", "password": "Guest-Password-1", "email": "test-guest@example.com",
     "email_verified": True},
)
#: Cognito's shapes: app client IDs of 26, generated secrets of 51 lower-case letters and digits.
_ALPHABET = string.ascii_lowercase + string.digits
_COMMENT = """The user pool `flask cognito emulator` serves for this app (a local emulator, not Amazon Cognito).
Written by that command, and again by the emulator each time its admin API changes a user
(python -m devidp admin --url <issuer origin> ...). Edit it while the emulator is stopped.
Fields: devidp/config.py (User, AppClient, PoolConfig)."""


def pool_file(instance_path: str | Path) -> Path:
    return Path(instance_path) / FOLDER / "pool.toml"


def for_app(path: Path, callback_url: str, sign_out_url: str) -> tuple[PoolConfig, bool]:
    """The pool of `path`, or a new one, with the app client registered for both URLs; and whether it changed
    (and is to be saved).

    The URLs are added to the file's own tables, so that what the pool generates (the user names
    of a pool that signs in with email) stays out of them. Raises devidp.ConfigError naming the
    field and the rule: a file edited wrongly, an http URL that is not on localhost (Cognito
    refuses those).
    """
    from devidp import load_config, parse_config

    existing = load_config(path) if path.exists() else None  # a file that breaks a rule is named as such
    data = tomllib.loads(path.read_text()) if existing else _new_pool(callback_url, sign_out_url)
    client = data["clients"][0]
    for key, url in (("callback_urls", callback_url), ("logout_urls", sign_out_url)):
        urls = client.get(key, [])
        client[key] = urls if url in urls else [*urls, url]
    pool = parse_config(data, source=str(path) if existing else "the app's new pool")
    return pool, pool != existing


def save(pool: PoolConfig, path: Path) -> None:
    from devidp.pool_file import save

    path.parent.mkdir(parents=True, exist_ok=True)
    save(pool, path, _COMMENT)


def saver(path: Path) -> Callable[[PoolConfig], None]:
    """What the emulator calls with the pool after each change of its users: it writes the pool to `path`,
    and says so in the log when it cannot (the change then lasts until the emulator stops)."""

    def save_change(pool: PoolConfig) -> None:
        try:
            save(pool, path)
        except OSError as error:
            log.warning("the users' change was not saved to %s (%s): it lasts until the emulator stops",
                        path, error.strerror or error)

    return save_change


def _new_pool(callback_url: str, sign_out_url: str) -> dict[str, Any]:
    return {
        "pool_id": POOL_ID,
        "users": [dict(user) for user in TEST_USERS],
        "clients": [{
            "name": "flask-app",
            "client_id": _drawn(26),
            "client_secret": _drawn(51),
            "callback_urls": [callback_url],
            "logout_urls": [sign_out_url],
            "allowed_scopes": ["openid", "email", "phone", "profile"],
            "allowed_oauth_flows": ["code"],
        }],
    }


def _drawn(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
