"""The example app's middleware: request ids (echoed, logged) and the strict headers on every response."""

from __future__ import annotations

import logging

import pytest


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_plain_incoming_request_id_is_kept(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"}).headers["X-Request-ID"] == "lb-1234.abc"


@pytest.mark.parametrize("incoming", ["a b", "x" * 65, "id\u00e9", "<script>", ""])
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] != incoming


def test_log_lines_of_a_request_carry_its_id(auth, client, caplog):
    with caplog.at_level(logging.INFO, logger="flask_cognito_signin.events"):
        response = client.get("/login", headers={"X-Request-ID": "trace-42"})
    (started,) = [record for record in caplog.records if getattr(record, "event", None) == "login_started"]
    assert started.request_id == "trace-42" == response.headers["X-Request-ID"]


def test_static_files_may_be_cached_and_pages_may_not(client):
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def test_a_header_the_response_has_is_not_added_twice(client, idp):
    """The extension's own routes set their security headers already."""
    headers = client.get("/login").headers
    assert len(headers.getlist("Content-Security-Policy")) == 1 and len(headers.getlist("Cache-Control")) == 1
