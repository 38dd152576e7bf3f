"""ID token validation: every property that must be checked is broken once, on purpose."""

from __future__ import annotations


import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from flask_cognito_signin.oidc import InvalidToken, Provider
from flask_cognito_signin.oidc.tokens import validate_id_token
from flask_cognito_signin.settings import Settings
from tests.support.clock import Clock
from tests.support.cognito import ALICE, CLIENT_ID, FakeCognito

NONCE = "n-0S6_WzA2Mj"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider(environ, tmp_path, clock) -> Provider:
    settings = Settings.from_mapping(environ, tmp_path)
    return Provider(settings.provider, timeout=2, clock=clock)


def id_token(idp: FakeCognito, **overrides) -> tuple[str, str]:
    idp.id_token_overrides = overrides
    answer = idp.issue(ALICE, nonce=NONCE, scope="openid", with_refresh=False)
    return answer["id_token"], answer["access_token"]


def test_a_cognito_id_token_is_accepted(idp, provider):
    token, access_token = id_token(idp)
    claims = validate_id_token(provider, token, nonce=NONCE, access_token=access_token)
    assert claims["sub"] == ALICE.sub
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == ["admins", "readers"]


@pytest.mark.parametrize(
    "overrides, reason",
    [
        pytest.param({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "iss", id="wrong-iss"),
        pytest.param({"iss": None}, "iss", id="missing-iss"),
        pytest.param({"aud": "another-client"}, "aud", id="wrong-aud"),
        pytest.param({"aud": None}, "aud", id="missing-aud"),
        pytest.param({"aud": [CLIENT_ID, "another-client"]}, "azp", id="several-aud-without-azp"),
        pytest.param({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "azp", id="several-aud-wrong-azp"),
        pytest.param({"exp": lambda now: now - 120}, "expired", id="expired"),
        pytest.param({"exp": None}, "exp", id="missing-exp"),
        pytest.param({"iat": lambda now: now + 600}, "future", id="iat-in-the-future"),
        pytest.param({"iat": None}, "iat", id="missing-iat"),
        pytest.param({"nonce": "another-nonce"}, "nonce", id="wrong-nonce"),
        pytest.param({"nonce": None}, "nonce", id="missing-nonce"),
        pytest.param({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash", id="wrong-at-hash"),
        pytest.param({"sub": None}, "sub", id="missing-sub"),
        pytest.param({"sub": ""}, "sub", id="empty-sub"),
        pytest.param({"token_use": "access"}, "token_use", id="access-token-as-id-token"),
        pytest.param({"token_use": None}, "token_use", id="cognito-without-token-use"),
    ],
)
def test_a_bad_claim_is_refused(idp, provider, clock, overrides, reason):
    """Times are set relative to the validating clock when the test runs, never when it was collected."""
    now = int(clock())
    token, access_token = id_token(idp, **{name: value(now) if callable(value) else value
                                           for name, value in overrides.items()})
    with pytest.raises(InvalidToken) as refused:
        validate_id_token(provider, token, nonce=NONCE, access_token=access_token)
    assert reason in refused.value.detail


def test_a_small_clock_skew_is_tolerated(idp, provider, clock):
    token, access_token = id_token(idp, iat=int(clock()) + 30, exp=int(clock()) - 30)
    assert validate_id_token(provider, token, nonce=NONCE, access_token=access_token)["sub"] == ALICE.sub


def test_several_audiences_are_refused_even_with_our_azp(idp, provider):
    """OIDC Core 3.1.3.7 (3): audiences besides ours are not trusted; Authlib alone accepts them when azp is ours."""
    token, access_token = id_token(idp, aud=[CLIENT_ID, "api"], azp=CLIENT_ID)
    with pytest.raises(InvalidToken, match="audiences besides this client"):
        validate_id_token(provider, token, nonce=NONCE, access_token=access_token)


def test_our_client_as_the_only_audience_in_a_list_is_accepted(idp, provider):
    token, access_token = id_token(idp, aud=[CLIENT_ID], azp=CLIENT_ID)
    assert validate_id_token(provider, token, nonce=NONCE, access_token=access_token)["aud"] == [CLIENT_ID]


def test_token_use_is_optional_for_providers_other_than_cognito(idp, environ, tmp_path, clock):
    issuer = "https://op.example.org"
    idp.document = {**idp.document, "issuer": issuer}
    idp.mock.get(issuer + "/.well-known/openid-configuration", json=idp.document)
    settings = Settings.from_mapping({**environ, "OIDC_DISCOVERY_URL": issuer + "/.well-known/openid-configuration"},
                                     tmp_path)
    provider = Provider(settings.provider, timeout=2, clock=clock)
    token, access_token = id_token(idp, iss=issuer, token_use=None)
    assert "token_use" not in validate_id_token(provider, token, nonce=NONCE, access_token=access_token)
    token, access_token = id_token(idp, iss=issuer, token_use="access")
    with pytest.raises(InvalidToken, match="token_use"):
        validate_id_token(provider, token, nonce=NONCE, access_token=access_token)


def test_a_signature_by_another_key_is_refused(idp, provider):
    idp.signing_key = RSAKey.generate_key(2048, parameters={"kid": idp.key.kid}, private=True)
    token, access_token = id_token(idp)
    with pytest.raises(InvalidToken, match="signature"):
        validate_id_token(provider, token, nonce=NONCE, access_token=access_token)


def test_a_tampered_payload_is_refused(idp, provider):
    token, access_token = id_token(idp)
    header, payload, signature = token.split(".")
    other, _ = id_token(idp, **{"cognito:groups": ["admins", "root"]})
    with pytest.raises(InvalidToken, match="signature"):
        validate_id_token(provider, f"{header}.{other.split('.')[1]}.{signature}", nonce=NONCE,
                          access_token=access_token)


@pytest.mark.filterwarnings("ignore:JWS algorithm")
@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda claims, key: jwt.encode({"alg": "none"}, claims, None, algorithms=["none"]), id="alg-none"),
        pytest.param(
            lambda claims, key: jwt.encode({"alg": "HS256", "kid": key.kid}, claims,
                                           OctKey.import_key(key.as_dict(private=False)["n"])),
            id="hs256-with-public-key-as-secret",
        ),
    ],
)
def test_unsigned_and_symmetric_tokens_are_refused(idp, provider, make_token):
    token, access_token = id_token(idp)
    claims = jwt.decode(token, idp.key).claims
    with pytest.raises(InvalidToken, match="only RS256"):
        validate_id_token(provider, make_token(claims, idp.key), nonce=NONCE, access_token=access_token)


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"])
def test_garbage_is_refused(idp, provider, garbage):
    with pytest.raises(InvalidToken):
        validate_id_token(provider, garbage, nonce=NONCE, access_token=None)


def test_an_unknown_kid_in_an_id_token_refetches_the_jwks_at_once_so_rotation_works(idp, provider):
    """ID tokens come from the token endpoint: a new kid is fetched without waiting, even right after a fetch."""
    token, access_token = id_token(idp)
    validate_id_token(provider, token, nonce=NONCE, access_token=access_token)
    rotated = RSAKey.generate_key(2048, parameters={"kid": "test-key-2"}, private=True)
    idp.jwks_keys = [idp.key, rotated]
    idp.signing_key = rotated
    token, access_token = id_token(idp)
    assert validate_id_token(provider, token, nonce=NONCE, access_token=access_token)["sub"] == ALICE.sub
    assert _jwks_fetches(idp) == 2


def _jwks_fetches(idp: FakeCognito) -> int:
    return sum(1 for call in idp.mock.calls if call.request.url.endswith("/jwks.json"))


def test_warm_up_fetches_discovery_and_keys_once(idp, provider):
    provider.warm_up()
    assert [c.request.url.rsplit("/", 1)[-1] for c in idp.mock.calls] == ["openid-configuration", "jwks.json"]


def test_warm_up_with_the_idp_down_leaves_fetching_to_first_use(environ, tmp_path, clock, caplog):
    import responses as responses_lib

    with responses_lib.RequestsMock() as mock:
        mock.add(responses_lib.GET, environ["OIDC_DISCOVERY_URL"], status=503)
        settings = Settings.from_mapping(environ, tmp_path)
        Provider(settings.provider, timeout=2, clock=clock).warm_up()
    assert "fetched on first use" in caplog.text


@pytest.mark.parametrize(
    "overrides, fix",
    [
        pytest.param({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"},
                     "the provider signs as 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other', yet its "
                     "discovery document names https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1: the "
                     "provider is misconfigured (an emulator must name itself by the address it is reached at)",
                     id="iss"),
        pytest.param({"aud": "another-client"},
                     f"the ID token names 'another-client', not OIDC_CLIENT_ID {CLIENT_ID}: the provider issued it to "
                     "another app client", id="aud"),
        pytest.param({"nonce": "another-nonce"},
                     "the answer belongs to another sign-in than the one this browser started (replayed or crossed); "
                     "start again: nothing to configure", id="nonce"),
        pytest.param({"exp": lambda now: now - 300},
                     "it was issued a moment ago yet expired 300 s ago: this host's clock runs ahead of the provider's "
                     "by more than the 60 s tolerated; set it right (NTP)", id="clock-ahead"),
        pytest.param({"iat": lambda now: now + 300},
                     "it says it was issued 300 s from now: this host's clock runs behind the provider's by more than "
                     "the 60 s tolerated; set it right (NTP)", id="clock-behind"),
        pytest.param({"token_use": "access"},
                     "the provider's tokens break the rules they must follow (OpenID Connect's, and Cognito's "
                     "token_use): nothing in this app's settings fixes that", id="token-use"),
    ],
)
def test_a_refused_id_token_names_the_fix(idp, provider, clock, overrides, fix):
    now = int(clock())
    token, access_token = id_token(idp, **{name: value(now) if callable(value) else value
                                           for name, value in overrides.items()})
    with pytest.raises(InvalidToken) as refused:
        validate_id_token(provider, token, nonce=NONCE, access_token=access_token)
    assert refused.value.fix == fix
    assert not refused.value.temporary


def test_a_bad_signature_names_the_keys_it_was_checked_with(idp, provider):
    idp.signing_key = RSAKey.generate_key(2048, parameters={"kid": idp.key.kid}, private=True)
    token, access_token = id_token(idp)
    with pytest.raises(InvalidToken) as refused:
        validate_id_token(provider, token, nonce=NONCE, access_token=access_token)
    assert refused.value.fix == ("no key of https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/"
                                 ".well-known/jwks.json verifies it: the token was altered, or the provider signs "
                                 "with a key it does not publish")
