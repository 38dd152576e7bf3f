"""x-amzn-oidc-data is believed only when this app's ALB signed it, for this app client, and it has not expired.

Every ALB of every account signs with its region's keys, so each refusal below is a way to
pass off claims that some ALB (or nobody) signed as this one's.
"""

from __future__ import annotations

import pytest

from flask_cognito_signin.alb import ALBClaimsRefused, ALBKeysUnavailable
from flask_cognito_signin.alb.user_claims import verify_user_claims
from flask_cognito_signin.oidc.tokens import CLOCK_SKEW
from tests.support.alb import ARN, OTHER_ARN, ALBKey, user_claims
from tests.support.cognito import ALICE, CLIENT_ID, ISSUER


def verify(token, keys, clock):
    return verify_user_claims(token, keys=keys, signer=ARN, client_id=CLIENT_ID, issuer=ISSUER, now=clock())


def refusal(token, keys, clock) -> str:
    with pytest.raises(ALBClaimsRefused) as refused:
        verify(token, keys, clock)
    assert not token or token not in str(refused.value), "the token itself is never in the reason"
    return refused.value.detail


def test_the_albs_padded_token_is_verified(alb_key, keys, clock):
    token = alb_key.sign(*user_claims(ALICE, clock()))
    assert "=." in token or token.endswith("="), "the ALB pads its segments"
    verified = verify(token, keys, clock)
    assert verified.claims["sub"] == ALICE.sub and verified.claims["email"] == ALICE.email
    assert verified.expires_at == int(clock()) + 120


def test_an_unpadded_token_is_verified_too(alb_key, keys, clock):
    token = alb_key.sign(*user_claims(ALICE, clock()), padded=False)
    assert "=" not in token
    assert verify(token, keys, clock).claims["sub"] == ALICE.sub


def test_the_signature_covers_the_segments_as_sent(alb_key, keys, clock):
    """The ALB signs its padded segments: the same token with its padding removed is another signing input."""
    token = alb_key.sign(*user_claims(ALICE, clock()))
    header, payload, signature = token.split(".")
    assert header.endswith("=") or payload.endswith("=")
    assert "signature does not verify" in refusal(".".join(part.rstrip("=") for part in (header, payload))
                                                  + "." + signature, keys, clock)


def test_a_token_signed_by_another_key_under_the_albs_key_id_is_refused(alb_key, keys, clock):
    forger = ALBKey(kid=alb_key.kid)
    assert "signature does not verify" in refusal(forger.sign(*user_claims(ALICE, clock())), keys, clock)


def test_claims_changed_after_signing_are_refused(alb_key, keys, clock):
    header, _, signature = alb_key.sign(*user_claims(ALICE, clock())).split(".")
    other = alb_key.sign(*user_claims(ALICE, clock(), payload_sub="someone-else")).split(".")[1]
    assert "signature does not verify" in refusal(f"{header}.{other}.{signature}", keys, clock)


def test_another_load_balancers_token_is_refused(alb_key, keys, clock, key_endpoint):
    """Signed by a real ALB key, but of another ALB (anyone can create one): the signer decides."""
    token = alb_key.sign(*user_claims(ALICE, clock(), signer=OTHER_ARN))
    assert "another load balancer" in refusal(token, keys, clock)
    assert key_endpoint.fetches() == 0, "refused before any key is fetched"


@pytest.mark.parametrize("client", ["other-app-client", None], ids=["other-client", "no-client"])
def test_a_token_for_another_app_client_is_refused(alb_key, keys, clock, client):
    assert "another app client" in refusal(alb_key.sign(*user_claims(ALICE, clock(), client=client)), keys, clock)


def test_a_token_from_another_issuer_is_refused(alb_key, keys, clock):
    token = alb_key.sign(*user_claims(ALICE, clock(), iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"))
    assert "another issuer" in refusal(token, keys, clock)


def test_an_expired_token_is_refused(alb_key, keys, clock):
    token = alb_key.sign(*user_claims(ALICE, clock()))
    clock.advance(120 + CLOCK_SKEW)
    assert verify(token, keys, clock).claims["sub"] == ALICE.sub, "within the clock skew"
    clock.advance(1)
    assert "expired" in refusal(token, keys, clock)


@pytest.mark.parametrize("exp", [None, "2000000000", True, 1.5e9], ids=["missing", "string", "bool", "float"])
def test_a_header_without_a_whole_number_exp_is_refused(alb_key, keys, clock, exp):
    header, payload = user_claims(ALICE, clock(), exp=exp)
    assert "exp" in refusal(alb_key.sign(header, payload), keys, clock)


def test_an_expired_payload_exp_is_refused_too(alb_key, keys, clock):
    token = alb_key.sign(*user_claims(ALICE, clock(), payload_exp=int(clock()) - CLOCK_SKEW - 1))
    assert "expired" in refusal(token, keys, clock)


def test_a_payload_naming_another_issuer_is_refused(alb_key, keys, clock):
    token = alb_key.sign(*user_claims(ALICE, clock(), payload_iss="https://evil.example.com"))
    assert "another issuer" in refusal(token, keys, clock)


@pytest.mark.parametrize("sub", [None, "", 42], ids=["missing", "empty", "number"])
def test_claims_without_a_subject_are_refused(alb_key, keys, clock, sub):
    assert "sub" in refusal(alb_key.sign(*user_claims(ALICE, clock(), payload_sub=sub)), keys, clock)


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", None])
def test_only_es256_is_accepted_and_nothing_is_fetched_for_another(alb_key, keys, clock, key_endpoint, alg):
    header, payload = user_claims(ALICE, clock())
    token = alb_key.sign({**header, "alg": alg}, payload)
    assert "alg" in refusal(token, keys, clock)
    assert key_endpoint.fetches() == 0


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda token: token.rsplit(".", 1)[0], id="two-segments"),
        pytest.param(lambda token: token + ".extra", id="four-segments"),
        pytest.param(lambda token: token.replace(".", "=.", 1), id="three-padding-characters"),
        pytest.param(lambda token: "a=b" + token, id="padding-inside"),
        pytest.param(lambda token: token.replace("-", "+").replace("_", "/") + "+/", id="standard-base64"),
        pytest.param(lambda token: token + "é", id="not-ascii"),
        pytest.param(lambda token: token + "A" * 20_000, id="too-long"),
        pytest.param(lambda token: "bm90IGpzb24." + token.split(".", 1)[1], id="header-not-json"),
        pytest.param(lambda token: "WzFd." + token.split(".", 1)[1], id="header-not-an-object"),
        pytest.param(lambda token: "", id="empty"),
    ],
)
def test_malformed_tokens_are_refused_without_a_key_fetch(alb_key, keys, clock, key_endpoint, make):
    refusal(make(alb_key.sign(*user_claims(ALICE, clock()))), keys, clock)
    assert key_endpoint.fetches() == 0


@pytest.mark.parametrize("kid", ["../../admin", "kid?x=1", "a/b", "", 7],
                         ids=["dots", "query", "slash", "empty", "int"])
def test_a_key_id_that_is_no_key_id_is_refused_without_a_fetch(alb_key, keys, clock, key_endpoint, kid):
    header, payload = user_claims(ALICE, clock())
    refusal(alb_key.sign({**header, "kid": kid}, payload), keys, clock)
    assert key_endpoint.fetches() == 0


def test_a_key_id_the_endpoint_does_not_know_is_refused(keys, clock, key_endpoint):
    stranger = ALBKey()
    assert "no load balancer key" in refusal(stranger.sign(*user_claims(ALICE, clock())), keys, clock)
    assert key_endpoint.fetches(stranger.kid) == 1


def test_a_key_endpoint_that_is_down_makes_the_claims_unverifiable_not_refused(alb_key, keys, clock, key_endpoint):
    key_endpoint.answer = lambda request, kid: (503, {}, "Slow Down")
    with pytest.raises(ALBKeysUnavailable) as unavailable:
        verify(alb_key.sign(*user_claims(ALICE, clock())), keys, clock)
    assert unavailable.value.status == 503
