"""devidp: a local emulator of an Amazon Cognito user pool, for development.

It lets the relying party sign users in without an AWS account: a hosted-UI
style sign-in page plus Cognito's endpoints, answering over real HTTP on
two origins as Cognito does. The issuer origin
(Cognito's cognito-idp host)::

    GET  /{poolId}/.well-known/openid-configuration
    GET  /{poolId}/.well-known/jwks.json
    /_admin/users...              admin API, loopback only (``python -m devidp admin``)

and the pool's domain::

    GET  /oauth2/authorize        -> /login (or a code, with the hosted-UI cookie), or to
                                  the identity provider named by identity_provider / idp_identifier
    GET|POST /login               sign-in page ("Sign in with your username and password")
    GET|POST /login/new-password  first sign-in of a FORCE_CHANGE_PASSWORD user
    GET|POST /login/mfa           the TOTP code of a user with a totp_secret
    POST /login/passkey           "Sign in with passkey" (pools with WEB_AUTHN; passkeys.py)
    GET|POST /passkeys/add        a signed-in user adds a passkey
    GET  /error                   where bad client or redirect URLs end, as on Cognito
    GET  /oauth2/idpresponse      where an OIDC identity provider sends the browser back
    POST /oauth2/token            authorization_code (+PKCE S256), refresh_token, client_credentials
    GET|POST /oauth2/userInfo     Bearer access token
    POST /oauth2/revoke           RFC 7009; revokes the refresh token and its access tokens
    GET  /logout                  Cognito's client_id + logout_uri shape

With ``--alb-target URL`` it also plays an Application Load Balancer whose listener
rule signs people in (authenticate-cognito) in front of the app at URL (alb.py), and
serves the ALB's public keys on the issuer origin at ``/elb-public-keys/{kid}``.

The issuer is ``{issuer_base_url}/{poolId}``; both origins are configured
(by default ``http://{host}:{port}`` and ``http://{host}:{domain_port}``),
never taken from the request.

State: users, app clients and resource servers come from a TOML file
(``pool.toml`` here, see ``config.py``); the admin API changes users in
memory. Signing keys are generated once and kept in the instance folder. Everything else (authorization codes, refresh tokens, revocations,
hosted-UI sessions) lives in the memory of the one serving process behind a
lock, so a restart signs everyone out; run a single process only.

Usage: ``python -m devidp [--port 9229] [--domain-port 9230]``, or in Python::

    from devidp import start_server
    with start_server() as idp:
        print(idp.discovery_url)
"""

from .app import (
    DEFAULT_DOMAIN_PORT,
    DEFAULT_HOST,
    DEFAULT_PORT,
    SESSION_COOKIE_NAME,
    EmulatorApps,
    create_apps,
)
from .config import AppClient, ConfigError, PoolConfig, User, load_config, parse_config
from .server import LoadBalancerOptions, RunningServer, start_server

__all__ = [
    "DEFAULT_DOMAIN_PORT",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SESSION_COOKIE_NAME",
    "AppClient",
    "ConfigError",
    "EmulatorApps",
    "LoadBalancerOptions",
    "PoolConfig",
    "RunningServer",
    "User",
    "create_apps",
    "load_config",
    "parse_config",
    "start_server",
]
