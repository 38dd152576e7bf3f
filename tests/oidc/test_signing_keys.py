"""The JWKS cache under rotation, withdrawal, forged key ids, a failing endpoint and concurrency.

Driven through the Bearer API and the callback, with the app's hand-moved clock; the JWKS
endpoint is the FakeCognito one on `responses`, replaced where a test needs it slow or down.
"""

from __future__ import annotations

import json
import threading

import pytest
from joserfc.jwk import RSAKey

from flask_cognito_signin.oidc.backoff import RETRY_INTERVAL
from flask_cognito_signin.oidc.signing_keys import KEYS_TTL, UNKNOWN_KID_INTERVAL
from tests.support.clock import Clock
from tests.support.cognito import ALICE, JWKS_URI, FakeCognito, sign

THREADS = 12
#: Generous: a test that waits this long has already failed.
PATIENCE = 10.0


def access_token(idp: FakeCognito, clock: Clock, key: RSAKey | None = None, kid: str | None = None,
                 lifetime: int = 3 * 3600) -> str:
    """A Cognito access token valid for `lifetime` on the test clock, signed by `key` and naming `kid`."""
    key = key or idp.key
    claims = idp.access_token_claims(ALICE, "openid email profile", int(clock.now), "origin-jti")
    claims["exp"] = int(clock.now) + lifetime
    return sign(claims, key, {"alg": "RS256", "kid": kid or key.kid})


def forged(idp: FakeCognito, clock: Clock, number: int) -> str:
    return access_token(idp, clock, kid=f"forged-kid-{number}")


def get_me(client, token: str):
    return client.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def jwks_fetches(idp: FakeCognito) -> int:
    return sum(call.request.url == JWKS_URI for call in idp.mock.calls)


def jwks_down(idp: FakeCognito) -> None:
    idp.serve_jwks(lambda request, usual: (503, {}, "unavailable"))


def jwks_document(idp: FakeCognito, document: dict) -> None:
    idp.serve_jwks(lambda request, usual: (200, {}, json.dumps(document)))


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)


def in_parallel(app, tokens: list[str]) -> list[int]:
    """GET /api/me with each token, one thread and test client per token, all started together."""
    statuses: list[int] = []
    start = threading.Barrier(len(tokens))

    def call(token: str) -> None:
        client = app.test_client()
        start.wait(PATIENCE)
        statuses.append(get_me(client, token).status_code)

    threads = [threading.Thread(target=call, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE * 2)
    assert not any(thread.is_alive() for thread in threads)
    return statuses


def slow_jwks_until_all_asked(app, idp: FakeCognito, callers: int) -> list[bool]:
    """Hold every JWKS answer until `callers` threads have asked the provider for keys: proof they overlapped.

    Returns, per JWKS request, whether all callers had asked before it was answered.
    """
    provider = app.extensions["cognito_signin"].providers["cognito"]
    asked, overlapped = threading.Condition(), []
    count = [0]
    signing_keys = provider.signing_keys

    def counting_signing_keys(*args, **kwargs):
        with asked:
            count[0] += 1
            asked.notify_all()
        return signing_keys(*args, **kwargs)

    def slow_jwks(request, usual):
        with asked:
            overlapped.append(asked.wait_for(lambda: count[0] >= callers, PATIENCE))
        return usual(request)

    provider.signing_keys = counting_signing_keys
    idp.serve_jwks(slow_jwks)
    return overlapped


# Concurrency: one fetch at a time ---------------------------------------------------------


def test_concurrent_forged_kids_cause_one_jwks_fetch(app, client, idp, clock):
    assert get_me(client, access_token(idp, clock)).status_code == 200
    clock.advance(UNKNOWN_KID_INTERVAL)  # a re-fetch is due for the first unknown kid
    overlapped = slow_jwks_until_all_asked(app, idp, THREADS)
    statuses = in_parallel(app, [forged(idp, clock, number) for number in range(THREADS)])
    assert statuses == [401] * THREADS
    assert overlapped == [True], "all the threads were asking while the one fetch was under way"
    assert jwks_fetches(idp) == 2


def test_concurrent_first_requests_share_one_jwks_fetch(app, idp, clock):
    """No keys yet: every caller needs them, one fetches, the others wait for its answer."""
    overlapped = slow_jwks_until_all_asked(app, idp, THREADS)
    statuses = in_parallel(app, [access_token(idp, clock) for _ in range(THREADS)])
    assert statuses == [200] * THREADS
    assert overlapped == [True]
    assert jwks_fetches(idp) == 1


# A failing JWKS endpoint -------------------------------------------------------------------


def test_forged_kids_against_a_failing_jwks_endpoint_cost_one_fetch(client, idp, clock):
    assert get_me(client, access_token(idp, clock)).status_code == 200
    clock.advance(UNKNOWN_KID_INTERVAL)
    jwks_down(idp)
    for number in range(20):
        clock.advance(1)
        assert get_me(client, forged(idp, clock, number)).status_code == 401
    assert jwks_fetches(idp) == 2, "the failed attempt counts: no retry per forged kid"
    assert get_me(client, access_token(idp, clock)).status_code == 200, "the keys in hand still verify"


def test_with_no_keys_a_failing_jwks_endpoint_is_retried_only_after_the_back_off(client, idp, clock):
    jwks_down(idp)
    for number in range(20):
        response = get_me(client, forged(idp, clock, number))
        assert response.status_code == 503 and response.json["error"] == "idp_bad_response"
    assert jwks_fetches(idp) == 1
    idp.serve_jwks()
    assert get_me(client, access_token(idp, clock)).status_code == 503, "still backing off"
    clock.advance(RETRY_INTERVAL)
    assert get_me(client, access_token(idp, clock)).status_code == 200
    assert jwks_fetches(idp) == 2


# Rotation and withdrawal -------------------------------------------------------------------


def test_an_id_token_with_a_new_kid_signs_in_right_after_a_bearer_triggered_fetch(auth, client, idp, clock):
    assert get_me(client, access_token(idp, clock)).status_code == 200
    clock.advance(UNKNOWN_KID_INTERVAL)
    assert get_me(client, forged(idp, clock, 1)).status_code == 401
    assert jwks_fetches(idp) == 2
    rotated = new_key("rotated-key")
    idp.jwks_keys, idp.signing_key = [idp.key, rotated], rotated
    response = auth.sign_in()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert jwks_fetches(idp) == 3


def test_a_withdrawn_key_stops_verifying_once_the_key_set_expires(client, idp, clock):
    remembered = access_token(idp, clock)
    assert get_me(client, remembered).status_code == 200
    idp.jwks_keys = [new_key("successor")]  # the provider withdraws the key
    clock.advance(KEYS_TTL - 1)
    assert get_me(client, access_token(idp, clock)).status_code == 200, "within the TTL the cached set is used"
    assert jwks_fetches(idp) == 1
    clock.advance(1)
    for token in (remembered, access_token(idp, clock)):
        response = get_me(client, token)
        assert response.status_code == 401 and "signature" in response.headers["WWW-Authenticate"]
    assert jwks_fetches(idp) == 2, "one fetch when the set expired, none per token after"


def test_the_key_set_is_fetched_again_once_it_expires(client, idp, clock):
    token = access_token(idp, clock, lifetime=10 * 3600)
    for _ in range(3):
        assert get_me(client, token).status_code == 200
        clock.advance(KEYS_TTL)
    assert jwks_fetches(idp) == 3


def test_a_stale_key_set_is_not_used_when_the_endpoint_fails(client, idp, clock):
    """A key set we cannot confirm is not trusted past its TTL: 503, not a token verified with old keys."""
    token = access_token(idp, clock)
    assert get_me(client, token).status_code == 200
    jwks_down(idp)
    clock.advance(KEYS_TTL)
    assert get_me(client, token).status_code == 503


def test_keys_trusted_until_ends_with_the_key_set(app, idp, clock):
    provider = app.extensions["cognito_signin"].providers["cognito"]
    keys = provider.signing_keys(None)
    assert provider.keys_trusted_until(keys) == clock.now + KEYS_TTL
    clock.advance(KEYS_TTL)
    provider.signing_keys(None)
    assert provider.keys_trusted_until(keys) == clock.now, "a replaced set vouches for nothing more"


def test_only_signing_keys_are_used(app, idp, clock):
    encryption = new_key("encryption-key").as_dict(private=False, alg="RSA-OAEP", use="enc")
    jwks_document(idp, {"keys": [idp.key.as_dict(private=False, alg="RS256", use="sig"), encryption]})
    keys = app.extensions["cognito_signin"].providers["cognito"].signing_keys(None)
    assert [key.kid for key in keys] == [idp.key.kid]


@pytest.mark.parametrize("document", [{"keys": [{"kty": "RSA", "kid": "broken"}]}, {"keys": "none"}])
def test_an_unreadable_jwks_is_a_bad_response(client, idp, clock, document):
    jwks_document(idp, document)
    response = get_me(client, access_token(idp, clock))
    assert response.status_code == 503 and response.json["error"] == "idp_bad_response"
