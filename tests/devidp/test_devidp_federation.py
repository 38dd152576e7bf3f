"""Sign-in through an OpenID Connect identity provider: a second emulator pool is the provider.

Cognito developer guide: "Authorize endpoint" (identity_provider, idp_identifier), "Using OIDC
identity providers with a user pool", "OIDC user pool IdP authentication flow" (the code comes
back to /oauth2/idpresponse), "Specifying identity provider attribute mappings for your user
pool", and "Understanding the identity (ID) token" (``identities``). Both pools serve real HTTP
(devidp.start_server); the browser is a requests.Session, signing in as devidp/driver.py does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from devidp import RunningServer, start_server
from devidp.config import (
    DEFAULT_CONFIG_PATH,
    AppClient,
    IdentityProvider,
    PoolConfig,
    User,
    load_config,
)
from devidp.driver import submit_login
from devidp.keys import load_or_create_keys

UPSTREAM_POOL = "us-east-1_Upstream1"
UPSTREAM_CLIENT_ID = "downstreampool0client"
UPSTREAM_SECRET = "UpstreamClientSecret0000000000000001"
ALICE = User(
    username="alice",
    password="AlicePass1!",
    email="alice@corp.example",
    email_verified=True,
    attributes={"name": "Alice Corp", "custom:dept": "R&D"},
)
#: Someone else at the provider, so that a test may delete and re-add alice there.
BOB = User(username="bob", password="BobPass1!")
MAPPING = {
    "email": "email",
    "email_verified": "email_verified",
    "name": "name",
    "custom:department": "custom:dept",
}
PROVIDER_GROUP = "us-east-1_DevPool01_Corp"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _get(browser: requests.Session, url: str) -> requests.Response:
    return browser.get(url, allow_redirects=False, timeout=10)


@dataclass
class Chain:
    """The relying party's browser between the pool (downstream) and its provider (upstream)."""

    upstream: RunningServer
    downstream: RunningServer
    client: AppClient
    browser: requests.Session = field(default_factory=requests.Session)
    verifiers: dict[str, str] = field(default_factory=dict)

    @property
    def idp_response(self) -> str:
        return f"{self.downstream.domain_url}/oauth2/idpresponse"

    def params(self, **overrides: str | None) -> dict[str, str]:
        """Authorization parameters with PKCE, for the provider "Corp"; None drops one."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        params = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.client.callback_urls[0],
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            "identity_provider": "Corp",
        }
        params.update(overrides)
        self.verifiers[params["state"]] = verifier
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, params: dict[str, str]) -> requests.Response:
        url = f"{self.downstream.domain_url}/oauth2/authorize?" + urlencode(params)
        return _get(self.browser, url)

    def to_provider(self, **overrides: str | None) -> tuple[dict[str, str], str]:
        """The client's authorization parameters, and where the pool sends the browser."""
        params = self.params(**overrides)
        answer = self.authorize(params)
        assert answer.status_code == 302, answer.text
        return params, answer.headers["Location"]

    def at_provider(self, provider_url: str, user: User = ALICE) -> str:
        """Sign in at the provider (its page, or its session); the /oauth2/idpresponse URL."""
        answer = _get(self.browser, provider_url)
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        if urlsplit(location).path == "/login":
            page = self.browser.get(location, timeout=10)
            location = submit_login(self.browser, page, user.username, user.password)
        assert location.startswith(self.idp_response + "?"), location
        return location

    def back_at_client(self, idp_response_url: str) -> dict[str, str]:
        """The pool's answer to the provider's: the query of the redirect to the client."""
        answer = _get(self.browser, idp_response_url)
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        assert location.startswith(self.client.callback_urls[0] + "?"), location
        return _query(location)

    def sign_in(self, **overrides: str | None) -> tuple[dict[str, str], dict[str, str]]:
        params, provider_url = self.to_provider(**overrides)
        return params, self.back_at_client(self.at_provider(provider_url))

    def tokens(self, params: dict[str, str], answer: dict[str, str]) -> dict[str, Any]:
        response = requests.post(
            f"{self.downstream.domain_url}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": answer["code"],
                "redirect_uri": params["redirect_uri"],
                "code_verifier": self.verifiers[params["state"]],
                "client_id": self.client.client_id,
                "client_secret": self.client.client_secret,
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def claims(self, token: str) -> dict[str, Any]:
        """The claims of a token the pool signed, checked against its published keys."""
        jwks = requests.get(f"{self.downstream.issuer}/.well-known/jwks.json", timeout=10).json()
        return jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"]).claims

    @property
    def pool(self) -> PoolConfig:
        return self.downstream.apps.emulator.pool

    def federated_users(self) -> list[User]:
        return [u for u in self.pool.users if u.is_federated]


@pytest.fixture
def make_chain(instance_dir):
    """Start a provider pool and a pool that signs in through it ("Corp"), both on loopback.

    The provider registers the pool's /oauth2/idpresponse, which must be http://localhost
    (Cognito's rule for callback URLs), so the pool's domain is on localhost and the
    provider on 127.0.0.1: two host names, so their hosted-UI cookies stay apart.
    """
    running: list[RunningServer] = []

    def build(**provider_changes: Any) -> Chain:
        domain_port = _free_port()
        upstream_pool = PoolConfig(
            pool_id=UPSTREAM_POOL,
            users=(ALICE, BOB),
            clients=(
                AppClient(
                    client_id=UPSTREAM_CLIENT_ID,
                    client_secret=UPSTREAM_SECRET,
                    callback_urls=(f"http://localhost:{domain_port}/oauth2/idpresponse",),
                    read_attributes=("email", "email_verified", "name", "custom:dept"),
                ),
            ),
        )
        upstream = start_server(upstream_pool, instance_path=instance_dir)
        running.append(upstream)
        provider = IdentityProvider(
            name="Corp",
            issuer=upstream.issuer,
            client_id=UPSTREAM_CLIENT_ID,
            client_secret=UPSTREAM_SECRET,
            scopes=("openid", "email", "profile"),
            attribute_mapping=MAPPING,
            idp_identifiers=("corp.example",),
        )
        provider = replace(provider, **provider_changes)
        demo = load_config(DEFAULT_CONFIG_PATH)
        client = replace(
            demo.default_client,
            supported_identity_providers=("COGNITO", "Corp"),
            read_attributes=("email", "email_verified", "name", "custom:department"),
        )
        pool = replace(demo, clients=(client, *demo.clients[1:]), identity_providers=(provider,))
        downstream = start_server(
            pool,
            domain_port=domain_port,
            domain_url=f"http://localhost:{domain_port}",
            instance_path=instance_dir,
        )
        running.append(downstream)
        return Chain(upstream=upstream, downstream=downstream, client=client)

    yield build
    for server in running:
        server.stop()


@pytest.fixture
def chain(make_chain) -> Chain:
    return make_chain()


def test_the_pool_sends_the_browser_to_the_provider_as_a_relying_party(chain):
    """"OIDC user pool IdP authentication flow": the code flow at the provider's authorization
    endpoint, for the provider's client, back to the pool domain's /oauth2/idpresponse, with
    the configured scopes, a state, a nonce and PKCE (S256)."""
    _, provider_url = chain.to_provider()
    assert provider_url.startswith(f"{chain.upstream.domain_url}/oauth2/authorize?")
    sent = _query(provider_url)
    assert sent["response_type"] == "code"
    assert sent["client_id"] == UPSTREAM_CLIENT_ID
    assert sent["redirect_uri"] == chain.idp_response
    assert sent["scope"] == "openid email profile"
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert len(sent["state"]) >= 32 and len(sent["nonce"]) >= 32


def test_the_clients_login_hint_goes_on_to_the_provider(chain):
    """Cognito developer guide, "Authorize endpoint" (login_hint): a request that goes to an OIDC
    provider gets the client's login_hint; this provider (an emulator too) fills its sign-in page
    with it."""
    _, provider_url = chain.to_provider(login_hint="alice@corp.example")
    assert _query(provider_url)["login_hint"] == "alice@corp.example"
    page = chain.browser.get(_get(chain.browser, provider_url).headers["Location"], timeout=10)
    assert 'name="username" type="text" value="alice@corp.example"' in page.text
    _, without = chain.to_provider()
    assert "login_hint" not in _query(without)


def test_a_sign_in_through_the_provider_makes_a_federated_user(chain):
    """The client gets tokens for the pool's user ``<ProviderName>_<sub>``: the ID token has
    the ``identities`` claim, the mapped attributes (a userInfo "true" becomes a boolean) and
    the ``<poolId>_<ProviderName>`` group; a refresh keeps them."""
    before = int(time.time() * 1000)
    params, answer = chain.sign_in()
    assert answer["state"] == params["state"] and answer["code"]
    tokens = chain.tokens(params, answer)
    claims = chain.claims(tokens["id_token"])

    assert claims["cognito:username"] == f"Corp_{ALICE.sub}"
    assert claims["nonce"] == params["nonce"]
    assert uuid.UUID(claims["sub"]) and claims["sub"] != ALICE.sub  # the pool's own sub
    [identity] = claims["identities"]
    date_created = identity.pop("dateCreated")
    assert identity == {
        "userId": ALICE.sub,
        "providerName": "Corp",
        "providerType": "OIDC",
        "issuer": None,
        "primary": "true",
    }
    assert date_created.isdigit() and before <= int(date_created) <= time.time() * 1000
    assert claims["email"] == "alice@corp.example" and claims["email_verified"] is True
    assert claims["name"] == "Alice Corp"
    assert claims["custom:department"] == "R&D"
    assert claims["cognito:groups"] == [PROVIDER_GROUP]
    access = chain.claims(tokens["access_token"])
    assert access["username"] == f"Corp_{ALICE.sub}"
    assert access["cognito:groups"] == [PROVIDER_GROUP]

    user = chain.pool.user(f"Corp_{ALICE.sub}")
    assert user.status == "EXTERNAL_PROVIDER" and user.password is None
    assert chain.pool.authenticate(user.username, "") is None  # no password sign-in

    refreshed = requests.post(
        f"{chain.downstream.domain_url}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": chain.client.client_id,
            "client_secret": chain.client.client_secret,
        },
        timeout=10,
    ).json()
    assert chain.claims(refreshed["id_token"])["identities"][0]["dateCreated"] == date_created


def test_each_sign_in_sets_the_mapped_attributes_again_and_keeps_the_rest(chain):
    """"Specifying identity provider attribute mappings": mapped attributes follow the
    provider at each sign-in; the user, its dateCreated and the groups an administrator
    gave it stay."""
    params, answer = chain.sign_in()
    first = chain.claims(chain.tokens(params, answer)["id_token"])
    username = f"Corp_{ALICE.sub}"
    chain.downstream.apps.emulator.directory.set_groups(username, [PROVIDER_GROUP, "readers"])
    upstream_users = chain.upstream.apps.emulator.directory
    upstream_users.delete("alice")
    upstream_users.add(replace(ALICE, attributes={"name": "Alice Renamed", "custom:dept": "Ops"}))

    params, answer = chain.sign_in()  # deleting alice ended her session there: a new one
    second = chain.claims(chain.tokens(params, answer)["id_token"])
    assert second["cognito:username"] == username and second["sub"] == first["sub"]
    assert second["name"] == "Alice Renamed" and second["custom:department"] == "Ops"
    assert second["cognito:groups"] == [PROVIDER_GROUP, "readers"]
    assert second["identities"] == first["identities"]
    assert len(chain.federated_users()) == 1


def test_idp_identifier_names_the_provider_by_one_of_its_identifiers(chain):
    """"Authorize endpoint": idp_identifier is an alternative name of a provider."""
    params, provider_url = chain.to_provider(identity_provider=None, idp_identifier="corp.example")
    assert provider_url.startswith(f"{chain.upstream.domain_url}/oauth2/authorize?")
    answer = chain.back_at_client(chain.at_provider(provider_url))
    assert answer["state"] == params["state"] and answer["code"]


def test_the_providers_refusal_reaches_the_client(chain):
    """The provider answers with an error instead of a code: the client gets invalid_request
    with its state, and nobody is signed in."""
    params, provider_url = chain.to_provider()
    state = _query(provider_url)["state"]
    answer = chain.back_at_client(
        f"{chain.idp_response}?" + urlencode({"error": "access_denied", "state": state})
    )
    assert answer == {"error": "invalid_request", "state": params["state"]}
    assert chain.federated_users() == []


def test_a_token_endpoint_error_reaches_the_client_with_cognitos_description(make_chain):
    """"Authorize endpoint", error responses: "[IdP name] Error - [status code] error
    getting token" (here the provider refuses the pool's client secret with a 400, as
    Cognito's token endpoint answers every error)."""
    chain = make_chain(client_secret="NotTheSecretTheProviderKnows1")
    params, provider_url = chain.to_provider()
    answer = chain.back_at_client(chain.at_provider(provider_url))
    assert answer == {
        "error": "invalid_request",
        "error_description": "Corp Error - 400 error getting token",
        "state": params["state"],
    }


def _unpublished_keys(chain: Chain, tmp_path) -> None:
    """The provider signs with keys its JWKS does not publish."""
    chain.upstream.apps.emulator.tokens.keys = load_or_create_keys(tmp_path / "other-keys")


def _userinfo_of_someone_else(chain: Chain, tmp_path) -> None:
    """The provider's userInfo answers about another user than the ID token's."""
    served = chain.upstream.apps.domain.view_functions["api.userinfo"]

    def other_sub(*args: Any, **kwargs: Any):
        answer = served(*args, **kwargs)
        answer.set_data(json.dumps({**answer.get_json(), "sub": str(uuid.uuid4())}))
        return answer

    chain.upstream.apps.domain.view_functions["api.userinfo"] = other_sub


def _changed_claims(**changes: Any):
    def change(chain: Chain, tmp_path) -> None:
        tokens = chain.upstream.apps.emulator.tokens
        registered = tokens.id_token_registered_claims
        now = int(time.time())
        values = {k: v(now) if callable(v) else v for k, v in changes.items()}
        tokens.id_token_registered_claims = lambda client: {**registered(client), **values}

    return change


@pytest.mark.parametrize(
    "break_provider",
    [
        pytest.param(_changed_claims(aud="another-client"), id="audience"),
        pytest.param(_changed_claims(iss="http://127.0.0.1:9/us-east-1_Evil"), id="issuer"),
        pytest.param(
            _changed_claims(exp=lambda now: now - 3600, iat=lambda now: now - 7200), id="expired"
        ),
        pytest.param(_unpublished_keys, id="signature"),
        pytest.param(_userinfo_of_someone_else, id="userinfo-sub"),
    ],
)
def test_an_id_token_the_pool_cannot_trust_is_refused(chain, tmp_path, break_provider):
    """OIDC Core 3.1.3.7 (the pool is the provider's relying party): an ID token for another
    client, from another issuer, expired, or not signed by the provider's published keys
    signs nobody in, nor a userInfo answer about another sub (5.3.2); the client gets
    invalid_request."""
    break_provider(chain, tmp_path)
    params, answer = chain.sign_in()
    assert answer == {"error": "invalid_request", "state": params["state"]}
    assert chain.federated_users() == []


def test_an_id_token_with_another_nonce_is_refused(chain):
    """OIDC Core 3.1.3.7 (11): the ID token must carry the nonce the pool sent; a browser
    that changes it on the way to the provider gets no sign-in."""
    params, provider_url = chain.to_provider()
    sent = _query(provider_url)
    tampered = provider_url.split("?")[0] + "?" + urlencode({**sent, "nonce": "chosen-by-attacker"})
    answer = chain.back_at_client(chain.at_provider(tampered))
    assert answer == {"error": "invalid_request", "state": params["state"]}
    assert chain.federated_users() == []


def test_the_providers_answer_counts_once_and_only_in_the_browser_that_went(chain):
    """Login CSRF: the provider's answer (code and state) carried into another browser
    signs nobody in there, and the answer works once in the browser that went."""
    params, provider_url = chain.to_provider()
    idp_response = chain.at_provider(provider_url)

    elsewhere = _get(requests.Session(), idp_response)
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers
    assert "An error was encountered with the requested page." in elsewhere.text

    answer = chain.back_at_client(idp_response)
    assert answer["state"] == params["state"] and answer["code"]
    again = _get(chain.browser, idp_response)
    assert again.status_code == 400 and "Location" not in again.headers


def test_a_disabled_federated_user_cannot_sign_in(chain):
    """Cognito API reference, AdminDisableUser: "A deactivated user can't sign in", through
    a provider either."""
    chain.sign_in()
    chain.downstream.apps.emulator.directory.disable(f"Corp_{ALICE.sub}")
    params, answer = chain.sign_in()
    assert answer == {"error": "invalid_request", "state": params["state"]}


@pytest.mark.parametrize("name", [f"Corp_{ALICE.sub}", f"corp_{ALICE.sub.upper()}"], ids=["same", "other-case"])
def test_a_sign_in_never_takes_over_a_native_user_of_the_federated_name(chain, name):
    """Cognito developer guide, "Linking federated users to an existing user profile": a
    federated user signs in to an existing profile only if an administrator linked the
    profile to its identity (AdminLinkProviderForUser); else the pool makes the user
    ``<ProviderName>_<sub>``. A native user who holds that name (user names ignore case)
    is not the provider's user: the sign-in is refused, and the native user, its password
    and its groups stay as they were."""
    directory = chain.downstream.apps.emulator.directory
    native = directory.add(User(username=name, password="NativePass1!", groups=("admins",)))

    params, answer = chain.sign_in()

    assert answer == {"error": "invalid_request", "state": params["state"]}
    assert chain.pool.user(name) == native
    assert chain.federated_users() == []

