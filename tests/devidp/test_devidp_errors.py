"""Failures never become tracebacks; pages carry security headers."""

from __future__ import annotations

import logging


def test_unknown_page_is_a_plain_404(http):
    response = http.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "An error was encountered with the requested page." in body
    assert "Traceback" not in body


def test_unexpected_error_is_a_logged_error_page(app, caplog, monkeypatch):
    emulator = app.extensions["devidp"]

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(emulator.store, "find_session", explode)
    with caplog.at_level(logging.ERROR, logger="devidp"):
        response = app.test_client().get("/oauth2/authorize")
    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "RuntimeError('boom')" in record.getMessage()
    assert "\n" not in record.getMessage()


def test_failures_log_one_line(hosted_ui, caplog):
    with caplog.at_level(logging.INFO, logger="devidp"):
        hosted_ui.refresh("nope")
    [record] = caplog.records
    assert record.getMessage() == "POST /oauth2/token: invalid_grant ()"


def test_security_headers(http):
    response = http.get("/static/devidp.css")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_oversized_body_is_rejected_cleanly(http):
    response = http.post("/oauth2/token", data={"code": "x" * 100_000})
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"


def test_token_and_revocation_errors_are_the_error_name_only(hosted_ui):
    """Cognito developer guide, "The token endpoint" (``{"error": "invalid_grant"}``) and
    "The token revocation endpoint": the name only; the reason is in the emulator's log."""
    assert hosted_ui.refresh("nope").get_json() == {"error": "invalid_grant"}
    assert hosted_ui.token({"grant_type": "password"}).get_json() == {
        "error": "unsupported_grant_type"
    }
    access_token = hosted_ui.tokens()["access_token"]
    assert hosted_ui.revoke(access_token).get_json() == {"error": "unsupported_token_type"}
