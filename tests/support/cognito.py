"""A Cognito user pool on `responses`: discovery, JWKS, authorize, token, userInfo and revoke endpoints.

Payloads have Cognito's shape (issuer on cognito-idp, endpoints on the hosted-UI domain,
`token_use`, `cognito:*` claims, userInfo's string booleans), tokens are signed with RSA
keys made by the fixtures, and the token endpoint really checks client authentication,
the code, the redirect URI and the PKCE verifier, so a test that passes exercised them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import responses
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import RSAKey

REGION = "eu-west-1"
POOL_ID = "eu-west-1_TestPool1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
DISCOVERY_URL = f"{ISSUER}/.well-known/openid-configuration"
JWKS_URI = f"{ISSUER}/.well-known/jwks.json"
DOMAIN = "https://test-app.auth.eu-west-1.amazoncognito.com"
CLIENT_ID = "4t2pm3q5k1nh8r7s6v0w9x8y7z"
CLIENT_SECRET = "1q2w3e4r5t6y7u8i9o0p1a2s3d4f5g6h7j8k9l0z1x2c3v4b5n6m"
APP_BASE_URL = "https://rp.example.com"
REDIRECT_URI = APP_BASE_URL + "/oauth/v2/callback"


@dataclass(frozen=True)
class PoolUser:
    username: str
    email: str
    email_verified: bool = True
    groups: tuple[str, ...] = ()
    sub: str = field(default_factory=lambda: str(uuid.uuid4()))


ALICE = PoolUser("alice", "alice@example.com", True, ("admins", "readers"))


@dataclass(frozen=True)
class Pool:
    """A user pool with a domain and one app client."""

    issuer: str = ISSUER
    domain: str = DOMAIN
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"


def discovery_document(pool: Pool = Pool()) -> dict[str, Any]:
    """What a user pool with a domain publishes (no end_session_endpoint on older pools)."""
    return {
        "authorization_endpoint": f"{pool.domain}/oauth2/authorize",
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": pool.issuer,
        "jwks_uri": pool.jwks_uri,
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": f"{pool.domain}/oauth2/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": f"{pool.domain}/oauth2/userInfo",
    }


def sign(claims: dict[str, Any], key: RSAKey, header: dict[str, Any] | None = None) -> str:
    return jwt.encode(header or {"alg": "RS256", "kid": key.kid}, claims, key)


@dataclass
class Grant:
    user: PoolUser
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    scope: str


class FakeCognito:
    """One user pool and app client. Tests change `id_token_overrides` etc. to misbehave on purpose."""

    def __init__(self, mock: responses.RequestsMock, key: RSAKey, pool: Pool = Pool()):
        self.mock = mock
        self.key = key
        self.pool = pool
        self.jwks_keys = [key]
        self.document = discovery_document(pool)
        self.grants: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, PoolUser] = {}
        #: The origin_jti of each refresh token's sign-in: Cognito stamps refreshed tokens with it too.
        self.refresh_origins: dict[str, str] = {}
        #: When each refresh token's user signed in: refreshed tokens keep that auth_time (OIDC Core 12.2).
        self.refresh_auth_times: dict[str, Any] = {}
        #: Every token endpoint answer sent, in order: the tokens the app holds.
        self.issued: list[dict[str, Any]] = []
        self.revoked: list[str] = []
        self.token_requests: list[responses.PreparedRequest] = []
        #: Claims merged into (or, with value None, removed from) every ID token issued.
        self.id_token_overrides: dict[str, Any] = {}
        #: Replaces the token endpoint's JSON answer: a function (answer) -> answer.
        self.token_answer_hook = None
        self.userinfo_overrides: dict[str, Any] = {}
        self.signing_key: RSAKey = key
        self.id_token_header: dict[str, Any] | None = None
        #: Lifetime of the access and ID tokens issued, and the clock they are issued by.
        self.token_lifetime = 3600
        self.clock = time.time
        #: The app client's registered callback URLs: the authorize endpoint sends any other to /error.
        self.callback_urls = [REDIRECT_URI]

    def install(self) -> FakeCognito:
        pool = self.pool
        self.mock.add_callback(responses.GET, pool.discovery_url, callback=lambda r: (200, {}, json.dumps(self.document)))
        self.mock.add_callback(responses.GET, pool.jwks_uri, callback=self._jwks)
        self.mock.add_callback(responses.GET, f"{pool.domain}/oauth2/authorize", callback=self._authorize_endpoint)
        self.mock.add_callback(responses.POST, f"{pool.domain}/oauth2/token", callback=self._token)
        self.mock.add_callback(responses.GET, f"{pool.domain}/oauth2/userInfo", callback=self._userinfo)
        self.mock.add_callback(responses.POST, f"{pool.domain}/oauth2/revoke", callback=self._revoke)
        return self

    def serve_jwks(self, callback=None) -> None:
        """Answer JWKS requests with `callback(request, usual)`, where `usual(request)` is the normal answer.

        For a JWKS endpoint that is slow or down; without a callback the normal answer is restored.
        """
        answer = self._jwks if callback is None else (lambda request: callback(request, self._jwks))
        self.mock.replace(responses.CallbackResponse(responses.GET, self.pool.jwks_uri, callback=answer))

    # Front channel -----------------------------------------------------------------------

    def authorize(self, authorization_url: str, user: PoolUser = ALICE) -> str:
        """What the hosted UI does after the user signs in: the callback URL with a fresh code."""
        parts = urlsplit(authorization_url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == self.document["authorization_endpoint"]
        params = dict(parse_qsl(parts.query))
        assert params["client_id"] == self.pool.client_id and params["response_type"] == "code"
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(user, params["redirect_uri"], params.get("nonce"), params.get("code_challenge"),
                                  params.get("scope", ""))
        return f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"

    def _authorize_endpoint(self, request):
        """The request as a browser's: Cognito's /error page for an unknown client or redirect_uri, else /login
        (Cognito developer guide, "The redirect and authorization endpoint")."""
        params = dict(parse_qsl(urlsplit(request.url).query))
        client_id = params.get("client_id", "")
        if client_id != self.pool.client_id or params.get("redirect_uri") not in self.callback_urls:
            error = "invalid_client" if client_id != self.pool.client_id else "redirect_mismatch"
            location = f"{self.pool.domain}/error?{urlencode({'error': error, 'client_id': client_id})}"
        else:
            location = f"{self.pool.domain}/login?{urlsplit(request.url).query}"
        return 302, {"Location": location}, ""

    # Back channel ------------------------------------------------------------------------

    def grants_of_type(self, grant_type: str) -> int:
        return sum(parse_qs(request.body).get("grant_type") == [grant_type] for request in self.token_requests)

    def _jwks(self, request):
        return 200, {}, json.dumps({"keys": [key.as_dict(private=False, alg="RS256", use="sig") for key in self.jwks_keys]})

    def _client_authentication(self, request, form: dict[str, str]) -> tuple[str | None, str | None, str]:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id, secret, "client_secret_basic"
        return form.get("client_id"), form.get("client_secret"), "client_secret_post"

    def _token(self, request):
        self.token_requests.append(request)
        form = {name: values[0] for name, values in parse_qs(request.body).items()}
        client_id, secret, _ = self._client_authentication(request, form)
        if client_id != self.pool.client_id or secret != self.pool.client_secret:
            return 400, {}, json.dumps({"error": "invalid_client"})
        if form.get("grant_type") == "authorization_code":
            grant = self.grants.pop(form.get("code", ""), None)
            if grant is None or grant.redirect_uri != form.get("redirect_uri") or not _pkce_ok(grant, form):
                return 400, {}, json.dumps({"error": "invalid_grant"})
            answer = self.issue(grant.user, nonce=grant.nonce, scope=grant.scope, with_refresh=True)
        elif form.get("grant_type") == "refresh_token":
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                return 400, {}, json.dumps({"error": "invalid_grant"})
            answer = self.issue(user, nonce=None, scope="openid email profile", with_refresh=False,
                                origin_jti=self.refresh_origins.get(form["refresh_token"]),
                                auth_time=self.refresh_auth_times.get(form["refresh_token"]))
        else:
            return 400, {}, json.dumps({"error": "unsupported_grant_type"})
        if self.token_answer_hook:
            answer = self.token_answer_hook(answer)
            if isinstance(answer, tuple):
                return answer
        self.issued.append(answer)
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    def issue(self, user: PoolUser, *, nonce: str | None, scope: str, with_refresh: bool,
              origin_jti: str | None = None, auth_time: int | None = None) -> dict[str, Any]:
        """Tokens of a new sign-in, or (with its `origin_jti` and `auth_time`) refreshed tokens of an earlier one."""
        now = int(self.clock())
        origin_jti = origin_jti or str(uuid.uuid4())
        auth_time = now if auth_time is None else auth_time
        access_token = sign({**self.access_token_claims(user, scope, now, origin_jti), "auth_time": auth_time},
                            self.key)
        id_claims = {
            "at_hash": create_half_hash(access_token, "RS256").decode(),
            "sub": user.sub,
            "email_verified": user.email_verified,
            "iss": self.pool.issuer,
            "cognito:username": user.username,
            "origin_jti": origin_jti,
            "aud": self.pool.client_id,
            "event_id": str(uuid.uuid4()),
            "token_use": "id",
            "auth_time": auth_time,
            "exp": now + self.token_lifetime,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "email": user.email,
        }
        if user.groups:
            id_claims["cognito:groups"] = list(user.groups)
        if nonce:
            id_claims["nonce"] = nonce
        for name, value in self.id_token_overrides.items():
            if value is None:
                id_claims.pop(name, None)
            else:
                id_claims[name] = value
        answer = {
            "id_token": sign(id_claims, self.signing_key, self.id_token_header),
            "access_token": access_token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }
        if with_refresh:
            refresh_token = secrets.token_urlsafe(48)
            self.refresh_tokens[refresh_token] = user
            self.refresh_origins[refresh_token] = origin_jti
            self.refresh_auth_times[refresh_token] = id_claims.get("auth_time", auth_time)
            answer["refresh_token"] = refresh_token
        return answer

    def access_token_claims(self, user: PoolUser, scope: str, now: int, origin_jti: str) -> dict[str, Any]:
        claims = {
            "sub": user.sub,
            "iss": self.pool.issuer,
            "version": 2,
            "client_id": self.pool.client_id,
            "origin_jti": origin_jti,
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": scope,
            "auth_time": now,
            "exp": now + self.token_lifetime,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": user.username,
        }
        if user.groups:
            claims["cognito:groups"] = list(user.groups)
        return claims

    def _userinfo(self, request):
        header = request.headers.get("Authorization", "")
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), self.key).claims
        except Exception:
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, json.dumps({"error": "invalid_token"})
        user = next(
            (u for u in [*self.refresh_tokens.values(), *(g.user for g in self.grants.values()), ALICE]
             if u.sub == claims["sub"]),
            ALICE,
        )
        body = {
            "sub": user.sub,
            "email_verified": "true" if user.email_verified else "false",
            "email": user.email,
            "username": user.username,
            **self.userinfo_overrides,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _revoke(self, request):
        form = {name: values[0] for name, values in parse_qs(request.body).items()}
        client_id, secret, method = self._client_authentication(request, form)
        if (client_id, secret) != (self.pool.client_id, self.pool.client_secret) or method != "client_secret_basic":
            return 400, {}, json.dumps({"error": "invalid_client"})
        self.revoked.append(form.get("token", ""))
        self.refresh_tokens.pop(form.get("token", ""), None)
        return 200, {}, ""


def _pkce_ok(grant: Grant, form: dict[str, str]) -> bool:
    verifier = form.get("code_verifier", "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return grant.code_challenge is not None and digest == grant.code_challenge
