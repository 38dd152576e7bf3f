"""Objects holding tokens redact themselves: a host that logs or prints one writes no token."""

from __future__ import annotations

import logging

import pytest

from flask_cognito_signin import current_user
from flask_cognito_signin.oidc.refresh import Refreshed
from flask_cognito_signin.oidc.signin import PendingSignIn, SignIn
from flask_cognito_signin.user_session import current_user_session
from tests.conftest import AuthActions

log = logging.getLogger("host")


def shown(value: object) -> list[str]:
    """Every way a host may turn the object into text, plain and inside a log line."""
    record = logging.LogRecord("host", logging.INFO, __file__, 1, "kept %s %r", (value, value), None)
    return [repr(value), str(value), f"{value}", f"{value!r}", "%s" % (value,), record.getMessage()]


@pytest.fixture
def logged(make_app, idp):
    """A host view that logs what it holds of the session (and keeps it for the test to look at)."""
    app = make_app()
    held = []

    @app.get("/debug")
    def debug():
        user_session = current_user_session()
        record, tokens = user_session.record, user_session.tokens
        objects = [user_session, record, tokens, user_session.user, current_user._get_current_object(),
                   SignIn(record.provider, record.user, tokens, "/"), Refreshed(tokens, record.user)]
        for value in objects:
            log.info("%s %r", value, value)
        held.extend(objects)
        return "logged"

    client = app.test_client()
    AuthActions(client, idp).sign_in()
    return client, held


def test_no_token_appears_in_the_text_of_any_session_object(logged, caplog):
    client, held = logged
    caplog.set_level(logging.INFO, logger="host")
    assert client.get("/debug").status_code == 200
    tokens = held[2]
    secrets = [tokens.access_token, tokens.id_token, tokens.refresh_token]
    assert all(secrets)
    for value in held:
        leaked = [secret for text in shown(value) for secret in secrets if secret in text]
        assert not leaked, type(value).__name__
    lines = [record.getMessage() for record in caplog.records if record.name == "host"]
    assert len(lines) == len(held) and not [line for line in lines for secret in secrets if secret in line]
    assert "expires_at=" in repr(tokens)  # what is no secret is still shown


def test_a_pending_sign_in_hides_its_nonce_and_pkce_verifier():
    pending = PendingSignIn("cognito", "the-state", "the-nonce-" + "n" * 30, "the-verifier-" + "v" * 40,
                            "https://app.example.com/oauth/v2/callback", "/orders")
    for text in shown(pending):
        assert pending.nonce not in text and pending.code_verifier not in text
    assert "the-state" in repr(pending) and "/orders" in repr(pending)  # what is no secret is still shown
