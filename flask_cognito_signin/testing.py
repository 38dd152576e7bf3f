"""Test an app that uses CognitoSignIn offline, with real tokens: a running local Cognito emulator and a sign-in without a browser.

```python
with run_emulator(pool(callback_base="http://localhost")) as emulator:
    app.config.update(emulator.app_config("http://localhost"))
    cookie = emulator.sign_in(app.test_client(), "test-user", "Test-Password-1")
    emulator.expire_tokens(client)          # the next request refreshes them at the emulator
    emulator.global_sign_out("test-user")   # ... and with this, the refresh is refused: signed out
```

The pytest plugin (flask_cognito_signin.pytest_plugin) wraps this as the `cognito_emulator`
fixture. The sign-in is the browser's path, step by step: the app's /login, the emulator's
authorize endpoint and hosted-UI form, its redirect to the app's callback. Only the app's
steps go through the Flask test client; the emulator's are real HTTP on loopback.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import url_for
from flask.testing import FlaskClient

from .settings import CALLBACK_PATH
from .user_session import current_user_session

#: The user of the default pool.
TEST_USER, TEST_PASSWORD = "test-user", "Test-Password-1"
_COOKIE = ("__Host-cognito_session", "cognito_session")


def pool(
    *,
    callback_base: str = "http://localhost",
    url_prefix: str = "",
    users: list[Mapping[str, Any]] | None = None,
    clients: list[Mapping[str, Any]] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A user pool in the emulator's pool.toml shape: by default one user (test-user, in the group
    "admins") and one app client registered for an app served at `callback_base`, with the
    sign-in routes under `url_prefix` (CognitoSignIn's option)."""
    return {
        "pool_id": "us-east-1_TestPool1",
        "users": users if users is not None else [
            {"username": TEST_USER, "password": TEST_PASSWORD, "email": "test-user@example.com",
             "email_verified": True, "groups": ["admins"]},
        ],
        "clients": clients if clients is not None else [
            {"name": "app-under-test", "client_id": "testclient0000000000000001",
             "client_secret": "test-client-secret-0000000000000000000000000000000001",
             "callback_urls": [callback_base + url_prefix + CALLBACK_PATH], "logout_urls": [callback_base + "/"],
             "allowed_scopes": ["openid", "email", "profile"], "allowed_oauth_flows": ["code"]},
        ],
        **options,
    }


@dataclass
class CognitoEmulator:
    """A running emulator of one user pool: its URLs, its first app client, and helpers that sign a user in,
    make their tokens expire and sign them out at the pool."""

    server: Any  # devidp.RunningServer
    client_id: str
    client_secret: str

    @property
    def discovery_url(self) -> str:
        return self.server.discovery_url

    @property
    def issuer(self) -> str:
        return self.server.issuer

    @property
    def admin_url(self) -> str:
        """The issuer's origin, where the admin API answers: what `python -m devidp admin --url` takes."""
        return self.server.issuer_base_url

    def app_config(self, app_base_url: str = "http://localhost") -> dict[str, str]:
        """The settings that point an app at this pool; update app.config with them before CognitoSignIn(app)."""
        return {"OIDC_DISCOVERY_URL": self.discovery_url, "OIDC_CLIENT_ID": self.client_id,
                "OIDC_CLIENT_SECRET": self.client_secret, "APP_BASE_URL": app_base_url}

    def provider_table(self, alias: str, **keys: str | list[str]) -> str:
        """This pool as a `[providers.<alias>]` table of a providers file (OIDC_PROVIDERS_FILE), with
        more of that file's keys if given (label, email_domains, api_client_ids, …): one pool per tenant."""
        table = {"discovery_url": self.discovery_url, "client_id": self.client_id,
                 "client_secret": self.client_secret, **keys}
        # JSON's strings and lists of strings are TOML's too.
        return f"[providers.{alias}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())

    def sign_in(self, client: FlaskClient, username: str = TEST_USER, password: str = TEST_PASSWORD,
                next_path: str = "/", *, provider: str | None = None) -> str:
        """Sign `username` in to the app behind `client` through the hosted-UI form; the app's session cookie.

        With several providers (a providers file), `provider` is the alias under which the app
        knows this pool: the sign-in starts at its /login/<alias>. Afterwards `client` carries
        the cookie too. Raises AssertionError saying where the sign-in stopped, with what the page
        there said: "Incorrect username or password.", the emulator's error page for a callback URL
        the pool does not know, the app's own error page, …
        """
        with client.application.test_request_context():
            login_path = url_for("cognito_signin.login", alias=provider)  # wherever the app put the sign-in routes
        login = client.get(login_path, query_string={"next": next_path})
        _expect_redirect(login, "the app's /login")
        callback = _through_hosted_ui(login.headers["Location"], username, password)
        parts = urlsplit(callback)
        answer = client.get(parts.path, query_string=parts.query)
        _expect_redirect(answer, "the app's callback")
        for name in _COOKIE:
            cookie = client.get_cookie(name)
            if cookie is not None:
                return cookie.value
        raise AssertionError("the app's callback set no session cookie")

    def expire_tokens(self, client: FlaskClient) -> None:
        """Make the access token of the user signed in behind `client` expired, as if its lifetime had passed.

        The app's next request through `client` refreshes the tokens at the provider (this
        emulator answers the refresh grant), or signs the user out when the refresh token was
        revoked (see `global_sign_out`). The session keeps its id and cookie; only its tokens'
        expiry changes, the way a refresh changes them.
        """
        app = client.application
        cookie_name = app.session_interface.cookie_name
        cookie = client.get_cookie(cookie_name)
        if cookie is None:
            raise AssertionError("the client has no session cookie: sign a user in first (sign_in)")
        with app.test_request_context(headers={"Cookie": f"{cookie_name}={cookie.value}"}):
            user_session = current_user_session()
            record = user_session.record
            if record is None:
                raise AssertionError("the client's session has no signed-in user (signed out, or timed out)")
            expired = dataclasses.replace(record.tokens, expires_at=user_session.clock() - 1)
            user_session.replace_record(dataclasses.replace(record, tokens=expired))

    def global_sign_out(self, username: str) -> None:
        """Sign `username` out at the pool, as Cognito's AdminUserGlobalSignOut does: their refresh tokens
        stop working, so the app signs them out at its next refresh (`expire_tokens` makes it due)."""
        from devidp.directory import UserNotFound

        try:
            self.server.apps.emulator.directory.global_sign_out(username)
        except UserNotFound:
            raise AssertionError(f"the emulated pool has no user {username!r}") from None


@contextmanager
def run_emulator(pool_data: Mapping[str, Any], instance_path: str | None = None) -> Iterator[CognitoEmulator]:
    """Serve `pool_data` on two free loopback ports (issuer and pool domain) until the block ends."""
    from devidp import parse_config, start_server  # the emulator is needed only by tests

    config = parse_config(pool_data, source="cognito_emulator pool")
    client = config.clients[0]
    with tempfile.TemporaryDirectory(prefix="cognito-emulator-") as scratch:
        with start_server(config, instance_path=instance_path or scratch) as server:
            yield CognitoEmulator(server, client.client_id, client.client_secret)


def _through_hosted_ui(authorization_url: str, username: str, password: str) -> str:
    """The emulator's sign-in form, filled in as a browser would; the callback URL it sends the browser back to."""
    from devidp.driver import SignInFailed, submit_login

    with requests.Session() as browser:
        try:
            return submit_login(browser, browser.get(authorization_url, timeout=10), username, password)
        except SignInFailed as error:
            raise AssertionError(f"the emulator did not sign {username!r} in: {error}") from None


def _expect_redirect(response, step: str) -> None:
    from devidp.driver import page_text

    if response.status_code not in (302, 303):
        raise AssertionError(f"{step} answered HTTP {response.status_code}, not a redirect:\n"
                             f"{page_text(response.get_data(as_text=True), response.content_type)}")
