"""Auth records: immutable, one per sign-in or refresh, cached per worker, and gone with the session."""

from __future__ import annotations

import time
from types import MappingProxyType

import pytest

from flask_cognito_signin.auth_records import AuthRecord, AuthRecords
from flask_cognito_signin.oidc.token_endpoint import TokenSet
from flask_cognito_signin.oidc.user import User
from flask_cognito_signin.sessions.sqlite import SQLiteStore


def record_keys(app) -> list[str]:
    store = app.extensions["cognito_signin"].store
    return [key for (key,) in store._execute("SELECT key FROM entries WHERE key LIKE 'auth:%'").fetchall()]


def session_values(app) -> list[dict]:
    store = app.extensions["cognito_signin"].store
    rows = store._execute("SELECT key FROM entries WHERE key LIKE 'session:%'").fetchall()
    return [store.get(key).value for (key,) in rows]


@pytest.fixture
def alice_record() -> AuthRecord:
    claims = {"sub": "alice-sub", "cognito:username": "alice", "email": "alice@example.com", "exp": 2000000000}
    user = User.from_claims(claims, provider="cognito")
    return AuthRecord("cognito", user, TokenSet("access", "id", "refresh", 2000000000.0, "openid"))


def test_a_record_survives_the_store_round_trip(tmp_path, alice_record):
    records = AuthRecords(SQLiteStore(tmp_path / "s.db"))
    record_id = records.save(alice_record, ttl=60)
    assert AuthRecords(records.store).get(record_id) == alice_record  # a fresh worker reads it from the store


def test_a_worker_reads_a_record_once(tmp_path, alice_record):
    records = AuthRecords(SQLiteStore(tmp_path / "s.db"))
    record_id = records.save(alice_record, ttl=60)
    first = records.get(record_id)
    records.store.delete("auth:" + record_id)  # records never change, so the cached one stays right
    assert records.get(record_id) is first


def test_cached_claims_cannot_be_edited_by_one_request_for_the_next(alice_record):
    assert isinstance(alice_record.user.claims, MappingProxyType)
    with pytest.raises(TypeError):
        alice_record.user.claims["email"] = "mallory@example.com"  # type: ignore[index]


def test_the_session_holds_a_record_id_and_no_tokens(auth, app):
    auth.sign_in()
    (session,) = session_values(app)
    assert set(session) >= {"auth_record", "signed_in_at", "absolute_expires_at"}
    assert "tokens" not in session and "user" not in session
    assert record_keys(app) == ["auth:" + session["auth_record"]]


def test_a_refresh_writes_a_new_record_and_lets_the_old_one_expire_soon(auth, app, client, clock):
    auth.sign_in()
    (before,) = session_values(app)
    clock.advance(3600 - 30)
    assert client.get("/api/me").status_code == 200
    (after,) = session_values(app)
    assert after["auth_record"] != before["auth_record"]
    store = app.extensions["cognito_signin"].store
    old = store.get("auth:" + before["auth_record"])
    assert old is not None and old.expires_at <= clock() + 60, "kept a minute for requests that still hold it"
    clock.advance(61)
    assert store.get("auth:" + before["auth_record"]) is None
    assert client.get("/api/me").status_code == 200


def test_sign_out_deletes_the_record(auth, app):
    auth.sign_in()
    assert len(record_keys(app)) == 1
    auth.sign_out()
    assert record_keys(app) == []


def test_signing_in_again_replaces_the_record(auth, app):
    auth.sign_in()
    auth.sign_in()
    assert len(record_keys(app)) == 1


def test_a_session_whose_record_is_gone_is_signed_out(auth, app, client):
    auth.sign_in()
    app.extensions["cognito_signin"].store.delete(record_keys(app)[0])
    app.extensions["cognito_signin"].auth_records.get.cache_clear()  # as in a worker that never read it
    assert client.get("/api/me").status_code == 401


def test_records_expire_with_the_absolute_lifetime(auth, app):
    auth.sign_in()
    entry = app.extensions["cognito_signin"].store.get(record_keys(app)[0])
    assert entry.expires_at == pytest.approx(time.time() + app.extensions["cognito_signin"].settings.session_max_age, abs=5)
