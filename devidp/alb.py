"""The emulator as an Application Load Balancer: an authenticating reverse proxy in front of the host app.

Elastic Load Balancing user guide, "Authenticate users using an Application Load Balancer",
for a listener rule with an authenticate-cognito action (OnUnauthenticatedRequest
authenticate, Scope openid, SessionTimeout 7 days) before its forward action:

- "Authentication flow": a request without the ALB's session cookie is sent to the pool's
  /oauth2/authorize (code flow). The pool sends the browser back to the ALB's
  /oauth2/idpresponse, where the ALB redeems the code at the token endpoint, checks the ID
  token, asks userInfo for the user claims and sets its session cookie
  AWSELBAuthSessionCookie-0 (here the key of a session kept in memory; a real ALB puts the
  encrypted session in it). When the access token has expired the refresh token gets new
  tokens; when that fails the user signs in again.
- "User claims encoding and signature verification": each request of a session is forwarded
  to the target with x-amzn-oidc-accesstoken, x-amzn-oidc-identity and a freshly signed
  x-amzn-oidc-data (alb_keys.py); whatever a client sent under those names is removed first.
- "HTTP headers and Application Load Balancers": X-Forwarded-For, -Proto and -Port are added;
  Host is passed on as the client sent it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from werkzeug.urls import iri_to_uri
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from .alb_keys import LoadBalancerKey
from .config import AppClient, ConfigError
from .context import Emulator

log = logging.getLogger("devidp")

IDP_RESPONSE_PATH = "/oauth2/idpresponse"
SESSION_COOKIE = "AWSELBAuthSessionCookie-0"
NONCE_COOKIE = "AWSELBAuthNonce"
SCOPE = "openid"
#: The listener rule's default SessionTimeout.
SESSION_SECONDS = 7 * 86400
#: Time the browser has to sign in at the pool.
SIGN_IN_SECONDS = 900
#: Lifetime of each x-amzn-oidc-data; the guide does not give the ALB's, only that it has an `exp`.
USER_CLAIMS_SECONDS = 120
#: Seconds the ALB waits for the pool and for the target.
HTTP_TIMEOUT = 30
#: RFC 9110 7.6.1: headers about one connection, never forwarded.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                         "transfer-encoding", "upgrade", "content-length"})
#: What the ALB sets itself; a client's values are dropped (X-Forwarded-For is extended instead).
_SET_BY_THE_ALB = ("x-amzn-oidc-", "x-forwarded-proto", "x-forwarded-port")


class _Request(Request):
    max_content_length = 10 * 1024 * 1024


@dataclass(frozen=True)
class _PendingSignIn:
    nonce: str
    return_to: str
    expires_at: float


@dataclass(frozen=True)
class _Session:
    access_token: str
    refresh_token: str | None
    #: The userInfo answer: x-amzn-oidc-data's payload.
    claims: dict[str, Any]
    access_token_expires_at: float
    expires_at: float


def default_arn(region: str) -> str:
    """A well-formed ARN for the emulated load balancer (account 000000000000)."""
    return f"arn:aws:elasticloadbalancing:{region}:000000000000:loadbalancer/app/devidp-alb/0123456789abcdef"


def client_for(clients: Iterable[AppClient], public_url: str, client_id: str | None) -> AppClient:
    """The listener rule's UserPoolClientId: the one named, else the client whose callback URLs hold this ALB's."""
    callback = public_url + IDP_RESPONSE_PATH
    for client in clients:
        if client.client_id == client_id or (client_id is None and callback in client.callback_urls):
            if callback not in client.callback_urls:
                raise ConfigError(f"alb: the app client {client.client_id} must list {callback} in callback_urls")
            if client.is_public:
                raise ConfigError(f"alb: the app client {client.client_id} needs a client secret, as an ALB's does")
            return client
    raise ConfigError(f"alb: no app client lists {callback} in callback_urls" if client_id is None
                      else f"alb: the pool has no app client {client_id}")


class LoadBalancer:
    """A WSGI app: the ALB's listener, in front of the app at `target` (an origin such as http://127.0.0.1:5000).

    `clock` dates its sessions and x-amzn-oidc-data; tests move it to expire an access token.
    """

    def __init__(self, emulator: Emulator, *, target: str, public_url: str, client: AppClient, arn: str,
                 clock: Callable[[], float] = time.time):
        self.emulator = emulator
        self.target = target.rstrip("/")
        self.public_url = public_url.rstrip("/")
        self.client = client
        self.arn = arn
        self.key = LoadBalancerKey()
        self.clock = clock
        self._https = self.public_url.startswith("https://")
        self._sessions: dict[str, _Session] = {}
        self._pending: dict[str, _PendingSignIn] = {}
        self._lock = threading.Lock()
        self._http = requests.Session()
        self._target_http = requests.Session()
        self._target_http.headers.clear()  # the client's headers only: no Accept-Encoding it did not send

    @property
    def redirect_uri(self) -> str:
        return self.public_url + IDP_RESPONSE_PATH

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _Request(environ)
        if request.path == IDP_RESPONSE_PATH:
            response = self._idp_response(request)
        else:
            session = self._live_session(request.cookies.get(SESSION_COOKIE))
            response = self._sign_in(request) if session is None else self._forward(request, session)
        return response(environ, start_response)

    # Signing in --------------------------------------------------------------------------------

    def _sign_in(self, request: Request) -> Response:
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        query = request.query_string.decode("latin-1")
        return_to = iri_to_uri(request.path) + (f"?{query}" if query else "")
        with self._lock:
            self._sweep()
            self._pending[state] = _PendingSignIn(nonce, return_to, self.clock() + SIGN_IN_SECONDS)
        response = redirect(self.emulator.url("/oauth2/authorize") + "?" + urlencode({
            "response_type": "code", "client_id": self.client.client_id, "redirect_uri": self.redirect_uri,
            "scope": SCOPE, "state": state, "nonce": nonce,
        }))
        response.set_cookie(NONCE_COOKIE, state, max_age=SIGN_IN_SECONDS, path="/", secure=self._https,
                            httponly=True, samesite="Lax")
        return response

    def _idp_response(self, request: Request) -> Response:
        """The pool's answer: the code redeemed, the ID token checked, userInfo asked, the session cookie set."""
        state, code = request.args.get("state", ""), request.args.get("code")
        with self._lock:
            pending = self._pending.pop(state, None)
        if pending is None or pending.expires_at <= self.clock() or not code or not hmac.compare_digest(
                state.encode(), request.cookies.get(NONCE_COOKIE, "").encode()):
            return _failure(401, f"sign-in not completed ({request.args.get('error') or 'unknown or expired state'})")
        try:
            tokens = self._token_request({"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": self.redirect_uri})
            self._check_id_token(tokens.get("id_token"), pending.nonce)
            session = self._session_of(tokens, None, self.clock() + SESSION_SECONDS)
        except _PoolRefused as error:
            return _failure(401, str(error))
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = session
        response = redirect(pending.return_to)
        response.set_cookie(SESSION_COOKIE, sid, max_age=SESSION_SECONDS, path="/", secure=self._https,
                            httponly=True, samesite="Lax")
        response.delete_cookie(NONCE_COOKIE, path="/", secure=self._https, httponly=True)
        log.info("alb: signed in %s", session.claims.get("username", session.claims["sub"]))
        return response

    def _live_session(self, sid: str | None) -> _Session | None:
        """The session of the cookie; refreshed when its access token has expired; None when over."""
        with self._lock:
            session = self._sessions.get(sid or "")
        now = self.clock()
        if session is None or session.expires_at <= now:
            return None
        if session.access_token_expires_at > now:
            return session
        try:
            if not session.refresh_token:
                raise _PoolRefused("the access token expired and there is no refresh token")
            tokens = self._token_request({"grant_type": "refresh_token", "refresh_token": session.refresh_token})
            refreshed = self._session_of(tokens, session.refresh_token, session.expires_at)
        except _PoolRefused as error:
            log.info("alb: session ended (%s)", error)
            refreshed = None
        with self._lock:
            if refreshed is None:
                self._sessions.pop(sid, None)
            else:
                self._sessions[sid] = refreshed
        return refreshed

    def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.post(self.emulator.url("/oauth2/token"), data=form, timeout=HTTP_TIMEOUT,
                                       auth=(self.client.client_id, self.client.client_secret or ""))
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise _PoolRefused(f"token endpoint: {type(error).__name__}") from None
        if response.status_code != 200 or not isinstance(answer, dict) or "access_token" not in answer:
            raise _PoolRefused(f"token endpoint answered {response.status_code}")
        return answer

    def _check_id_token(self, id_token: Any, nonce: str) -> None:
        """OIDC Core 3.1.3.7, as the ALB validates the ID token before it trusts the tokens."""
        registry = jwt.JWTClaimsRegistry(
            now=int(self.clock()), leeway=60, iss={"essential": True, "value": self.emulator.issuer},
            aud={"essential": True, "value": self.client.client_id}, exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(jwt.decode(id_token, KeySet.import_key_set(self.emulator.keys.jwks())).claims)
        except (JoseError, ValueError, TypeError) as error:
            raise _PoolRefused(f"ID token refused: {error}") from None

    def _session_of(self, tokens: dict[str, Any], refresh_token: str | None, expires_at: float) -> _Session:
        """A session for `tokens`, with the userInfo answer for their access token."""
        access_token = tokens["access_token"]
        try:
            response = self._http.get(self.emulator.url("/oauth2/userInfo"), timeout=HTTP_TIMEOUT,
                                      headers={"Authorization": f"Bearer {access_token}"})
            claims = response.json()
        except (requests.RequestException, ValueError) as error:
            raise _PoolRefused(f"userInfo: {type(error).__name__}") from None
        if response.status_code != 200 or not isinstance(claims, dict) or not claims.get("sub"):
            raise _PoolRefused(f"userInfo answered {response.status_code}")
        lifetime = tokens.get("expires_in") if isinstance(tokens.get("expires_in"), int) else 3600
        return _Session(access_token, tokens.get("refresh_token") or refresh_token, claims,
                        self.clock() + lifetime, expires_at)

    def _sweep(self) -> None:
        """Drop what has expired (under the lock), so a long run stays bounded."""
        now = self.clock()
        for table in (self._pending, self._sessions):
            for name in [name for name, entry in table.items() if entry.expires_at <= now]:
                del table[name]

    # Forwarding --------------------------------------------------------------------------------

    def user_claims(self, claims: dict[str, Any]) -> str:
        """x-amzn-oidc-data for a user with these userInfo claims, signed now."""
        exp = int(self.clock()) + USER_CLAIMS_SECONDS
        header = {"typ": "JWT", "signer": self.arn, "iss": self.emulator.issuer, "client": self.client.client_id,
                  "exp": exp}
        return self.key.sign(header, {**claims, "exp": exp, "iss": self.emulator.issuer})

    def _forward(self, request: Request, session: _Session) -> Response:
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in _HOP_BY_HOP and not name.lower().startswith(_SET_BY_THE_ALB)
                   and name.lower() != "x-forwarded-for"}
        public = urlsplit(self.public_url)
        headers.update({
            "X-Forwarded-For": ", ".join(filter(None, [request.headers.get("X-Forwarded-For"), request.remote_addr])),
            "X-Forwarded-Proto": public.scheme,
            "X-Forwarded-Port": str(public.port or (443 if self._https else 80)),
            "X-Amzn-Oidc-Accesstoken": session.access_token,
            "X-Amzn-Oidc-Identity": session.claims["sub"],
            "X-Amzn-Oidc-Data": self.user_claims(session.claims),
        })
        query = request.query_string.decode("latin-1")
        url = self.target + iri_to_uri(request.path) + (f"?{query}" if query else "")
        try:
            answer = self._target_http.request(request.method, url, headers=headers, data=request.get_data(cache=False),
                                        allow_redirects=False, stream=True, timeout=HTTP_TIMEOUT)
            with answer:
                body = answer.raw.read(decode_content=False)
        except requests.Timeout:
            return _failure(504, "the target did not answer in time")
        except requests.RequestException as error:
            return _failure(502, f"the target cannot be reached ({type(error).__name__})")
        kept = [(name, value) for name, value in answer.raw.headers.items() if name.lower() not in _HOP_BY_HOP]
        return Response(body, status=answer.status_code, headers=kept)


class _PoolRefused(Exception):
    """The pool refused or could not answer a step of the sign-in."""


def _failure(status: int, why: str) -> Response:
    log.warning("alb: %s", why)
    text = {401: "401 Authorization Required", 502: "502 Bad Gateway", 504: "504 Gateway Time-out"}[status]
    return Response(text + "\n", status, mimetype="text/plain")


__all__ = ["LoadBalancer", "client_for", "default_arn"]
