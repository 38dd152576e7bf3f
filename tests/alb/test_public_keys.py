"""The ALB's public keys are fetched as the JWKS is: once per key id, one at a time, bounded, never at a forger's cue.

Key ids come from a header that anyone reaching the app can send, so the tests count what
forged ones cost the key endpoint.
"""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from flask_cognito_signin.alb.public_keys import MAX_KEY_BYTES, MAX_KIDS, NEW_KID_BURST, LoadBalancerKeys
from flask_cognito_signin.oidc import OIDCError
from flask_cognito_signin.oidc.backoff import RETRY_INTERVAL
from flask_cognito_signin.oidc.signing_keys import KEYS_TTL, UNKNOWN_KID_INTERVAL
from tests.support.alb import KEYS_URL, ALBKey

THREADS = 12
PATIENCE = 10.0


def test_a_key_is_fetched_once_and_kept(keys, key_endpoint, alb_key):
    for _ in range(5):
        assert [key.kid for key in keys.get(alb_key.kid)] == [alb_key.kid]
    assert key_endpoint.fetches() == 1
    (call,) = key_endpoint.mock.calls
    assert call.request.url == f"{KEYS_URL}/{alb_key.kid}"
    assert call.request.req_kwargs["timeout"] == 5.0, "bounded by the app's timeout"


def test_a_key_is_fetched_again_once_its_time_is_up(keys, key_endpoint, alb_key, clock):
    keys.get(alb_key.kid)
    clock.advance(KEYS_TTL - 1)
    keys.get(alb_key.kid)
    assert key_endpoint.fetches() == 1
    clock.advance(1)
    keys.get(alb_key.kid)
    assert key_endpoint.fetches() == 2


def test_concurrent_requests_for_a_new_key_share_one_fetch(keys, key_endpoint, alb_key):
    arrived, release = threading.Barrier(THREADS, timeout=PATIENCE), threading.Event()
    asked = []

    def slow(request, kid):
        release.wait(PATIENCE)
        return 200, {}, alb_key.pem()

    key_endpoint.answer = slow
    results = []

    def ask():
        arrived.wait()
        asked.append(1)
        results.append(keys.get(alb_key.kid))

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    while len(asked) < THREADS:
        threading.Event().wait(0.01)
    threading.Event().wait(0.1)  # every thread is now in get(): one fetching, the others waiting for it
    release.set()
    for thread in threads:
        thread.join(PATIENCE)
    assert len(results) == THREADS and all(result is not None for result in results)
    assert key_endpoint.fetches() == 1


def test_forged_key_ids_cost_a_few_fetches_then_one_per_interval(keys, key_endpoint, clock):
    forged = [ALBKey().kid for _ in range(50)]
    assert [keys.get(kid) for kid in forged] == [None] * 50
    assert key_endpoint.fetches() == NEW_KID_BURST
    clock.advance(UNKNOWN_KID_INTERVAL)
    assert [keys.get(kid) for kid in forged] == [None] * 50
    assert key_endpoint.fetches() == NEW_KID_BURST + 1


def test_a_known_key_still_verifies_while_forged_ids_use_up_the_allowance(keys, key_endpoint, alb_key):
    assert keys.get(alb_key.kid) is not None
    for _ in range(50):
        keys.get(ALBKey().kid)
    assert keys.get(alb_key.kid) is not None
    assert key_endpoint.fetches(alb_key.kid) == 1


def test_a_key_id_the_endpoint_does_not_know_is_forgotten_not_kept(keys, key_endpoint, clock):
    stranger = ALBKey()
    assert keys.get(stranger.kid) is None
    key_endpoint.keys[stranger.kid] = stranger  # now it exists (a new ALB key)
    assert keys.get(stranger.kid) is not None, "asked again, not answered from a remembered refusal"
    assert key_endpoint.fetches(stranger.kid) == 2


def test_no_more_than_max_kids_are_kept(keys, key_endpoint, clock):
    real = [ALBKey() for _ in range(MAX_KIDS + 1)]
    key_endpoint.keys.update({key.kid: key for key in real})
    for key in real:
        clock.advance(UNKNOWN_KID_INTERVAL)
        assert keys.get(key.kid) is not None
    clock.advance(UNKNOWN_KID_INTERVAL)
    assert keys.get(real[0].kid) is not None
    assert key_endpoint.fetches(real[0].kid) == 2, "the least recently used key made room"
    assert key_endpoint.fetches(real[-1].kid) == 1


def test_a_failing_endpoint_is_not_asked_again_until_the_back_off_ends(keys, key_endpoint, alb_key, clock):
    key_endpoint.answer = lambda request, kid: (500, {}, "InternalError")
    for _ in range(10):
        with pytest.raises(OIDCError):
            keys.get(alb_key.kid)
    assert key_endpoint.fetches() == 1
    key_endpoint.answer = None
    clock.advance(RETRY_INTERVAL)
    assert keys.get(alb_key.kid) is not None
    assert key_endpoint.fetches() == 2


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda key: b"A" * (MAX_KEY_BYTES + 1), id="too-large"),
        pytest.param(lambda key: b"not a key", id="not-pem"),
        pytest.param(lambda key: key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            id="private-key"),
        pytest.param(lambda key: ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), id="p-384"),
    ],
)
def test_an_answer_that_is_no_p256_public_key_is_a_bad_answer(keys, key_endpoint, alb_key, body):
    key_endpoint.answer = lambda request, kid: (200, {}, body(alb_key))
    with pytest.raises(OIDCError) as failed:
        keys.get(alb_key.kid)
    assert failed.value.code == "idp_bad_response"


def test_a_redirect_is_not_followed(key_endpoint, alb_key, clock):
    key_endpoint.answer = lambda request, kid: (302, {"Location": "https://evil.example.com/key"}, "")
    with pytest.raises(OIDCError):
        LoadBalancerKeys(KEYS_URL, 5.0, clock).get(alb_key.kid)
    assert len(key_endpoint.mock.calls) == 1
