"""Settings of the sign-in: one frozen object built from `app.config` (the standalone app fills it
from the environment and `.env`), validated once.

Every problem is collected and reported together, each naming the variable and how to fix
it, so a wrong `.env` costs one restart rather than one per mistake.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import tomllib
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
CALLBACK_PATH = "/oauth/v2/callback"
#: Where Cognito sends the browser back to a load balancer that signs people in
#: (ELB guide, "Prepare to use Amazon Cognito").
ALB_CALLBACK_PATH = "/oauth2/idpresponse"
CLIENT_AUTH_METHODS = ("client_secret_post", "client_secret_basic")
LOGOUT_STYLES = ("cognito", "oidc")
#: When the sign-in asks the userinfo endpoint: `auto` skips it for a Cognito pool, whose ID token
#: already carries every attribute the app client may read; `always`; `never`.
USERINFO_POLICIES = ("auto", "always", "never")
SESSION_STORE_SCHEMES = ("sqlite", "redis", "rediss")
#: Who signs people in: the app itself (`oidc`, the authorization code flow), or the Application Load
#: Balancer in front of it (`alb`, a listener rule's authenticate-cognito action), see docs/alb.md.
SIGN_IN_MODES = ("oidc", "alb")
#: The ALB's default SessionCookieName; it shards the cookie as <name>-0, <name>-1, …
ALB_SESSION_COOKIE = "AWSELBAuthSessionCookie"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_USER_POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MIN_SECRET_KEY_LENGTH = 32
#: RFC 6750's b64token: what a bearer token may be made of.
_METRICS_TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
_GENERATE_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
#: An Application Load Balancer's ARN (Elastic Load Balancing API reference, "LoadBalancerArn").
_ALB_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:"
    r"loadbalancer/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$"
)
#: Where GovCloud publishes ALB keys instead of public-keys.auth.elb.<region> (ELB guide, "User claims encoding").
_GOVCLOUD_ALB_KEYS = "https://s3-{region}.amazonaws.com/aws-elb-public-keys-prod-{region}"
_COOKIE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class ConfigError(RuntimeError):
    """Start-up refused: one or more settings are missing or malformed; the message lists them all.

    A RuntimeError because that is what gunicorn prints as a message ("Error: …", exit status 1)
    rather than a traceback when loading the app fails in its master (`--preload`).
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = (f"- {problem}" for problem in problems)
        super().__init__("\n".join(["Sign in with Cognito is not configured correctly:", *lines]))


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback addresses, where plain http stays on this machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ProviderSettings:
    """One OpenID provider's app client, as registered there. The secret is hidden from repr()."""

    alias: str
    label: str
    discovery_url: str
    client_id: str
    client_secret: str = field(repr=False)
    client_auth_method: str
    scopes: tuple[str, ...]
    cognito_domain: str | None
    logout_style: str
    userinfo: str
    #: App clients of this provider whose access tokens the API accepts as bearer tokens: a client
    #: ID is the provider's name, so another provider's token naming it passes for nobody.
    api_client_ids: frozenset[str]
    #: Names this API answers to in the `aud` of this provider's access tokens; RFC 9068 tokens need one.
    api_audience: frozenset[str]
    #: Domains whose email addresses sign in here (a tenant's): /login?login_hint=<address> finds
    #: this provider by the address, and the sign-in page asks for it instead of showing a button.
    email_domains: frozenset[str] = frozenset()
    #: Where these settings were read: "" for app.config (the environment), else "<file> [providers.<alias>]".
    where: str = ""

    def setting(self, variable: str) -> str:
        """A setting of this provider as the user wrote it, for messages: OIDC_CLIENT_ID, or
        "providers.toml [providers.corp] client_id"."""
        return f"{self.where} {_FILE_KEYS.get(variable, variable)}" if self.where else variable

    @property
    def issuer(self) -> str:
        """The issuer the discovery document must name: its URL without the well-known suffix."""
        return self.discovery_url[: -len(DISCOVERY_SUFFIX)]


@dataclass(frozen=True)
class LoadBalancerSettings:
    """The Application Load Balancer that signs people in (COGNITO_SIGNIN_MODE=alb)."""

    #: The ARN every x-amzn-oidc-data must name as its `signer`: any ALB of any AWS account signs with
    #: the region's keys, so the signature alone does not say it was this one.
    arn: str
    #: Where the ALB's public key for a `kid` is: {public_keys_url}/{kid}.
    public_keys_url: str
    #: The listener rule's SessionCookieName, whose shards sign-out expires.
    session_cookie: str


@dataclass(frozen=True)
class Settings:
    """Everything the sign-in reads from app.config. Secrets are hidden from repr()."""

    secret_key: str = field(repr=False)
    #: The identity providers, the default (env-configured, or first in the file) first.
    providers: tuple[ProviderSettings, ...]
    app_base_url: str
    session_store_url: str
    http_timeout: float
    session_idle_timeout: int
    session_max_age: int
    #: Refresh the tokens when the access token expires within this many seconds.
    token_refresh_margin: int
    #: How recent (seconds) a sign-in `fresh_login_required` accepts when its view names no max_age.
    fresh_login_max_age: int
    #: Scopes every bearer token must hold for /api/* (per-view scopes: `scopes_required`).
    api_required_scopes: frozenset[str]
    #: How many proxies (load balancer, CDN) stand in front and set X-Forwarded-*; 0 trusts none.
    trusted_proxy_count: int
    #: Whether those proxies set X-Forwarded-Host (an ALB does not: a client's would pass through).
    trust_forwarded_host: bool
    #: The bearer token /metrics requires; None: no metrics, and prometheus-client is never imported.
    metrics_token: str | None = field(repr=False)

    @property
    def provider(self) -> ProviderSettings:
        """The default provider: the one /login uses when there is a single one."""
        return self.providers[0]

    #: Where the sign-in routes live under the app ("" or a path such as /auth).
    url_prefix: str
    #: Paths that are the API: guards answer JSON there, and Bearer tokens are accepted.
    api_prefix: str
    #: The load balancer that signs people in, or None: the app signs them in itself (OIDC).
    load_balancer: LoadBalancerSettings | None = None

    @property
    def redirect_uri(self) -> str:
        """The exact callback URL registered with the app client: the app's, or that of the ALB signing people in."""
        if self.load_balancer is not None:
            return self.app_base_url + ALB_CALLBACK_PATH
        return self.app_base_url + self.url_prefix + CALLBACK_PATH

    @property
    def sign_out_uri(self) -> str:
        """Where the IdP sends the browser after logout; register it as a sign-out URL."""
        return self.app_base_url + "/"

    @property
    def secure_cookies(self) -> bool:
        return self.app_base_url.startswith("https://")

    @classmethod
    def from_mapping(
        cls,
        config: Mapping[str, object],
        instance_path: str | Path,
        *,
        url_prefix: str = "",
        api_prefix: str = "/api/",
        source: str = "in app.config",
    ) -> Settings:
        """Read and validate every setting of `config` (app.config); raise ConfigError listing all problems found.

        A providers file's `client_secret_env` names a variable looked up in `config`, then in
        the process environment. `source` tells a person where to set a missing setting.
        """
        reader = _Reader(config, source=source)
        providers = _read_providers(ChainMap(config, os.environ), reader)
        load_balancer = _read_load_balancer(reader)
        settings = cls(
            secret_key=reader.secret_key(),
            providers=providers,
            app_base_url=reader.app_base_url(),
            session_store_url=reader.session_store_url(Path(instance_path)),
            http_timeout=reader.http_timeout(),
            session_idle_timeout=reader.duration("SESSION_IDLE_TIMEOUT", "8h"),
            session_max_age=reader.duration("SESSION_MAX_AGE", "24h"),
            token_refresh_margin=reader.duration("TOKEN_REFRESH_MARGIN", "60s", allow_zero=True),
            fresh_login_max_age=reader.duration("FRESH_LOGIN_MAX_AGE", "5m"),
            api_required_scopes=frozenset(reader.words("API_REQUIRED_SCOPES")),
            trusted_proxy_count=reader.count("TRUSTED_PROXY_COUNT"),
            trust_forwarded_host=reader.flag("TRUST_FORWARDED_HOST"),
            metrics_token=reader.metrics_token(),
            url_prefix=reader.path_prefix("url_prefix", url_prefix),
            api_prefix=reader.path_prefix("api_prefix", api_prefix, api=True),
            load_balancer=load_balancer,
        )
        if reader.problems:
            raise ConfigError(reader.problems)
        return settings


#: Where each provider setting lives in a providers file, by its environment variable name.
_FILE_KEYS = {
    "OIDC_DISCOVERY_URL": "discovery_url",
    "COGNITO_REGION": "region",
    "COGNITO_USER_POOL_ID": "user_pool_id",
    "OIDC_CLIENT_ID": "client_id",
    "OIDC_CLIENT_SECRET": "client_secret",
    "OIDC_CLIENT_AUTH_METHOD": "client_auth_method",
    "OIDC_SCOPES": "scopes",
    "COGNITO_DOMAIN": "cognito_domain",
    "OIDC_LOGOUT_STYLE": "logout_style",
    "OIDC_USERINFO": "userinfo",
    "API_CLIENT_IDS": "api_client_ids",
    "API_AUDIENCE": "api_audience",
}
#: Settings of the API (bearer tokens) rather than of signing in: on their own they make no provider.
_API_KEYS = ("API_CLIENT_IDS", "API_AUDIENCE")
_FILE_ONLY_KEYS = {"label", "client_secret_env", "email_domains"}
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def _read_providers(environ: Mapping[str, str], reader: _Reader) -> tuple[ProviderSettings, ...]:
    """The provider of the OIDC_* variables (alias "cognito"), then those of OIDC_PROVIDERS_FILE."""
    providers: list[ProviderSettings] = []
    file_name = reader.get("OIDC_PROVIDERS_FILE")
    if not file_name or any(reader.get(name) for name in _FILE_KEYS if name not in _API_KEYS):
        providers.append(_read_provider(reader, "cognito", "Cognito"))
    else:
        for name in _API_KEYS:
            if reader.get(name):
                reader.problem(f"{name} is for the provider of the OIDC_* settings, and there is none: set "
                               f"{_FILE_KEYS[name]} in the tables of OIDC_PROVIDERS_FILE instead.")
    if file_name:
        providers += _read_providers_file(Path(file_name), environ, reader)
    aliases = [provider.alias for provider in providers]
    for alias in sorted({alias for alias in aliases if aliases.count(alias) > 1}):
        reader.problem(f"OIDC_PROVIDERS_FILE: provider alias {alias!r} is used twice; aliases must be unique.")
    claimed: dict[str, str] = {}
    for provider in providers:
        for domain in sorted(provider.email_domains):
            if domain in claimed:
                reader.problem(f"OIDC_PROVIDERS_FILE: email domain {domain!r} is in the email_domains of both "
                               f"[providers.{claimed[domain]}] and [providers.{provider.alias}]: give it to one.")
            claimed.setdefault(domain, provider.alias)
    return tuple(providers)


def _read_providers_file(path: Path, environ: Mapping[str, str], reader: _Reader) -> list[ProviderSettings]:
    """Providers from a TOML or JSON file: a `providers` table of tables, keyed by alias."""
    try:
        text = path.read_text()
        document = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as error:
        reader.problem(f"OIDC_PROVIDERS_FILE={str(path)!r} cannot be read: {error}")
        return []
    tables = document.get("providers")
    if not isinstance(tables, dict) or not tables:
        reader.problem(f"OIDC_PROVIDERS_FILE={str(path)!r} has no providers table: see providers.example.toml.")
        return []
    providers = []
    for alias, table in tables.items():
        where = f"{path.name} [providers.{alias}]"
        if not _ALIAS.match(alias) or not isinstance(table, dict):
            reader.problem(f"{where}: the alias must be lower-case letters, digits, - or _ and name a table.")
            continue
        unknown = sorted(set(table) - set(_FILE_KEYS.values()) - _FILE_ONLY_KEYS)
        if unknown:
            reader.problem(f"{where}: unknown setting(s) {', '.join(unknown)}.")
        values = {env: _text(table[key]) for env, key in _FILE_KEYS.items() if key in table}
        names = dict(_FILE_KEYS)
        secret_env = table.get("client_secret_env")
        if secret_env:  # keeps the secret out of the file: it names an environment variable
            values["OIDC_CLIENT_SECRET"] = environ.get(str(secret_env), "")
            names["OIDC_CLIENT_SECRET"] = f"client_secret_env ({secret_env})"
        file_reader = _Reader(values, reader.problems, where=where, names=names)
        providers.append(_read_provider(file_reader, alias, _text(table.get("label", "")) or alias.title(),
                                        _email_domains(table.get("email_domains"), file_reader)))
    return providers


def _email_domains(value: object, reader: _Reader) -> frozenset[str]:
    """A table's email_domains: a list of domain names (a single one may stand alone), lower-cased."""
    if value is None:
        return frozenset()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(name, str) and _HOST_NAME.match(name) for name in names):
        reader.problem(f"{reader.where} email_domains={value!r} must be a list of domain names such as "
                       '["acme.example"], without the @.')
        return frozenset()
    return frozenset(name.lower() for name in names)


def _text(value: object) -> str:
    """File values as the environment would give them: lists become space-separated words."""
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _read_provider(reader: _Reader, alias: str, label: str,
                   email_domains: frozenset[str] = frozenset()) -> ProviderSettings:
    discovery_url = reader.discovery_url()
    client_id = reader.required("OIDC_CLIENT_ID", "the app client ID from the Cognito console")
    return ProviderSettings(
        alias=alias,
        label=label,
        discovery_url=discovery_url,
        client_id=client_id,
        client_secret=reader.client_secret(),
        client_auth_method=reader.choice("OIDC_CLIENT_AUTH_METHOD", CLIENT_AUTH_METHODS),
        scopes=reader.scopes(),
        cognito_domain=reader.cognito_domain(),
        logout_style=reader.choice("OIDC_LOGOUT_STYLE", LOGOUT_STYLES),
        userinfo=reader.choice("OIDC_USERINFO", USERINFO_POLICIES),
        api_client_ids=frozenset(reader.words("API_CLIENT_IDS") or [client_id]),
        api_audience=frozenset(reader.words("API_AUDIENCE")),
        email_domains=email_domains,
        where=reader.where,
    )


_ALB_ONLY = ("ALB_ARN", "ALB_PUBLIC_KEYS_URL", "ALB_SESSION_COOKIE")


def _read_load_balancer(reader: _Reader) -> LoadBalancerSettings | None:
    """COGNITO_SIGNIN_MODE=alb: the ALB's ARN, its keys' URL (derived from the ARN's region) and its cookie."""
    if reader.choice("COGNITO_SIGNIN_MODE", SIGN_IN_MODES) != "alb":
        for name in _ALB_ONLY:
            if reader.get(name):
                reader.problem(f"{name} is read only with COGNITO_SIGNIN_MODE=alb: set that too, or remove {name}.")
        return None
    if reader.get("OIDC_PROVIDERS_FILE"):
        reader.problem("OIDC_PROVIDERS_FILE cannot be used with COGNITO_SIGNIN_MODE=alb: the load balancer signs "
                       "people in with the one user pool and app client of its listener rule (the OIDC_* settings).")
    arn = reader.required("ALB_ARN", "the load balancer's ARN, arn:aws:elasticloadbalancing:<region>:<account>:"
                                     "loadbalancer/app/<name>/<id> (EC2 console > Load balancers > Details)")
    match = _ALB_ARN.match(arn) if arn else None
    if arn and not match:
        reader.problem(f"ALB_ARN={arn!r} is not an Application Load Balancer ARN such as arn:aws:elasticloadbalancing:"
                       "eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188.")
    cookie = reader.get("ALB_SESSION_COOKIE") or ALB_SESSION_COOKIE
    if not _COOKIE_NAME.match(cookie):
        reader.problem(f"ALB_SESSION_COOKIE={cookie!r} must be the listener rule's SessionCookieName "
                       "(letters, digits, . _ -).")
    keys_url = reader.alb_public_keys_url(match.group(1), match.group(2)) if match else ""
    return LoadBalancerSettings(arn=arn, public_keys_url=keys_url, session_cookie=cookie)


class _Reader:
    """Reads one setting at a time, recording a problem instead of raising at the first.

    The same reader serves the environment and a providers file: `names` maps a variable
    to what the user wrote (a file key), `where` says where to fix it.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        problems: list[str] | None = None,
        where: str = "",
        names: Mapping[str, str] | None = None,
        source: str = "",
    ):
        self.environ = environ
        self.source = source
        self.problems = [] if problems is None else problems
        self.where = where
        self.names = names or {}

    def name(self, variable: str) -> str:
        """The setting as the user knows it: OIDC_CLIENT_ID, or "providers.toml [providers.x] client_id"."""
        return f"{self.where} {self.names.get(variable, variable)}" if self.where else variable

    def get(self, name: str) -> str:
        value = self.environ.get(name)
        return "" if value is None else str(value).strip()  # app.config may hold None or numbers

    def problem(self, message: str) -> str:
        self.problems.append(message)
        return ""

    def required(self, name: str, what: str) -> str:
        value = self.get(name)
        if not value:
            return self.problem(f"{self.name(name)} is not set: set it to {what}{self.place()}.")
        return value

    def place(self) -> str:
        """Where a missing setting goes, for the message: " (in app.config)"; nothing inside a providers file."""
        return f" ({self.source})" if self.source and not self.where else ""

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.get(name) or allowed[0]
        if value not in allowed:
            return self.problem(f"{self.name(name)}={value!r} is not supported: use one of {', '.join(allowed)}.")
        return value

    def client_secret(self) -> str:
        """Required, except behind an ALB that signs people in: the ALB holds the secret, the app never uses it."""
        if self.get("COGNITO_SIGNIN_MODE") == "alb":
            return self.get("OIDC_CLIENT_SECRET")
        return self.required("OIDC_CLIENT_SECRET", "the app client's generated client secret from the Cognito console")

    def alb_public_keys_url(self, partition: str, region: str) -> str:
        """ALB_PUBLIC_KEYS_URL, by default the ELB guide's endpoint of the ARN's region; https, or http on loopback."""
        value = self.get("ALB_PUBLIC_KEYS_URL").rstrip("/")
        if not value:
            if partition == "aws-us-gov":
                return _GOVCLOUD_ALB_KEYS.format(region=region)
            if partition == "aws":
                return f"https://public-keys.auth.elb.{region}.amazonaws.com"
            return self.problem(f"ALB_PUBLIC_KEYS_URL is not set: in the {partition} partition, set it to the URL the "
                                "Elastic Load Balancing guide gives for the region's ALB public keys.")
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment or (
                parts.scheme == "http" and not is_loopback_host(parts.hostname)):
            return self.problem(f"ALB_PUBLIC_KEYS_URL={value!r} must be an https:// URL without query "
                                "(http only on loopback), such as https://public-keys.auth.elb.eu-west-1.amazonaws.com.")
        return value

    def secret_key(self) -> str:
        value = self.required("SECRET_KEY", f"a long random string, for example the output of: {_GENERATE_KEY_HINT}")
        if value and len(value) < _MIN_SECRET_KEY_LENGTH:
            return self.problem(
                f"SECRET_KEY is too short ({len(value)} characters): use at least {_MIN_SECRET_KEY_LENGTH}, "
                f"for example the output of: {_GENERATE_KEY_HINT}"
            )
        return value

    def metrics_token(self) -> str | None:
        """A secret a scraper sends as `Authorization: Bearer`: long, and only characters a header carries as they are."""
        value = self.get("METRICS_TOKEN")
        if not value:
            return None
        if len(value) < _MIN_SECRET_KEY_LENGTH or not _METRICS_TOKEN.match(value):
            self.problem(
                f"METRICS_TOKEN must be at least {_MIN_SECRET_KEY_LENGTH} letters, digits or -._~+/= "
                f"(it is sent as a bearer token), for example the output of: {_GENERATE_KEY_HINT}"
            )
            return None
        return value

    def discovery_url(self) -> str:
        discovery, region_name, pool_name = (self.name(n) for n in
                                             ("OIDC_DISCOVERY_URL", "COGNITO_REGION", "COGNITO_USER_POOL_ID"))
        explicit = self.get("OIDC_DISCOVERY_URL")
        region, pool_id = self.get("COGNITO_REGION"), self.get("COGNITO_USER_POOL_ID")
        derived = self._cognito_discovery_url(region, pool_id) if (region or pool_id) else ""
        if explicit and derived and explicit != derived:
            return self.problem(
                f"{discovery} ({explicit}) does not match the URL derived from {region_name} and "
                f"{pool_name} ({derived}): set only one of them."
            )
        url = explicit or derived
        if not url:
            if region or pool_id:
                return ""  # the incomplete pair was reported already
            return self.problem(
                f"{discovery} is not set: set it to the user pool's Automatic Configuration URL "
                "(https://cognito-idp.<region>.amazonaws.com/<user pool id>/.well-known/openid-configuration), "
                f"or set {region_name} and {pool_name} instead{self.place()}."
            )
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            return self.problem(f"{discovery}={url!r} is not an absolute https:// URL.")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            return self.problem(
                f"{discovery}={url!r} uses plain http: use https (http is accepted only for loopback hosts)."
            )
        if not parts.path.endswith(DISCOVERY_SUFFIX) or parts.query or parts.fragment:
            return self.problem(
                f"{discovery}={url!r} must end with {DISCOVERY_SUFFIX} (the issuer followed by that path)."
            )
        return url

    def _cognito_discovery_url(self, region: str, pool_id: str) -> str:
        region_name, pool_name = self.name("COGNITO_REGION"), self.name("COGNITO_USER_POOL_ID")
        if not region or not pool_id:
            missing = region_name if not region else pool_name
            return self.problem(f"{missing} is not set: {region_name} and {pool_name} go together.")
        if not _REGION.match(region):
            return self.problem(f"{region_name}={region!r} is not an AWS region such as eu-west-1.")
        pool = _USER_POOL_ID.match(pool_id)
        if not pool:
            return self.problem(f"{pool_name}={pool_id!r} is not a user pool ID such as {region}_AbC123xyz.")
        if pool.group(1) != region:
            return self.problem(f"{pool_name}={pool_id!r} belongs to region {pool.group(1)}, not {region}.")
        return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}{DISCOVERY_SUFFIX}"

    def scopes(self) -> tuple[str, ...]:
        scopes = tuple(self.get("OIDC_SCOPES").split()) or ("openid", "email", "profile")
        if "openid" not in scopes:
            self.problem(
                f"{self.name('OIDC_SCOPES')}={' '.join(scopes)!r} must include openid (it is an OpenID Connect sign-in)."
            )
        return scopes

    def app_base_url(self) -> str:
        value = self.get("APP_BASE_URL") or "http://localhost:5000"
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            return self.problem(f"APP_BASE_URL={value!r} must be an absolute URL such as https://app.example.com.")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            return self.problem(
                f"APP_BASE_URL={value!r} uses plain http: use https (Cognito accepts http callback URLs only "
                "for localhost)."
            )
        return value.rstrip("/")

    def cognito_domain(self) -> str | None:
        written = self.get("COGNITO_DOMAIN")
        if not written:
            return None
        parts = urlsplit(written if "://" in written else "https://" + written)
        host = parts.hostname or ""
        plain_http_ok = parts.scheme == "http" and is_loopback_host(host)
        if (parts.scheme != "https" and not plain_http_ok) or not (_HOST_NAME.match(host) or is_loopback_host(host)):
            return self.problem(
                f"{self.name('COGNITO_DOMAIN')}={written!r} is not a domain: use the hosted UI domain, such as "
                "myapp.auth.eu-west-1.amazoncognito.com or auth.example.com."
            )
        if parts.path.strip("/") or parts.query or parts.fragment:
            return self.problem(f"{self.name('COGNITO_DOMAIN')}={written!r} must be a domain without a path.")
        return f"{parts.scheme}://{parts.netloc}"

    def session_store_url(self, instance_path: Path) -> str:
        value = self.get("SESSION_STORE_URL") or f"sqlite:///{instance_path / 'sessions.db'}"
        examples = "sqlite:////absolute/path/sessions.db, redis://host:6379/0 or rediss://host:6379/0"
        parts = urlsplit(value)
        if parts.scheme not in SESSION_STORE_SCHEMES:
            return self.problem(f"SESSION_STORE_URL={value!r} is not supported: use {examples}.")
        if parts.scheme == "sqlite" and not Path(value[len("sqlite:///"):]).is_absolute():
            return self.problem(
                f"SESSION_STORE_URL={value!r} must name an absolute file path: sqlite:////absolute/path/sessions.db."
            )
        if parts.scheme != "sqlite" and (not parts.hostname or not re.fullmatch(r"/?\d*", parts.path)):
            return self.problem(f"SESSION_STORE_URL={value!r} must name a Redis host and optional database number: "
                                "redis://host:6379/0.")
        return value

    def http_timeout(self) -> float:
        value = self.get("OIDC_HTTP_TIMEOUT") or "5"
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not 0 < seconds <= 60:
            self.problem(f"OIDC_HTTP_TIMEOUT={value!r} must be a number of seconds between 0 and 60.")
            return 5.0
        return seconds

    def count(self, name: str) -> int:
        value = self.get(name) or "0"
        if not value.isdigit() or int(value) > 10:
            self.problem(f"{name}={value!r} must be a whole number from 0 to 10.")
            return 0
        return int(value)

    def path_prefix(self, option: str, value: str, *, api: bool = False) -> str:
        """A CognitoSignIn option naming a path: url_prefix is "" or like /auth, api_prefix like /api/."""
        if api:
            valid, example = value.startswith("/") and value.endswith("/"), "a path like /api/"
        else:
            valid, example = value == "" or (value.startswith("/") and not value.endswith("/")), "empty or like /auth"
        if not valid:
            self.problem(f"CognitoSignIn({option}={value!r}) must be {example}.")
            return "/api/" if api else ""
        return value

    def flag(self, name: str) -> bool:
        value = self.get(name).lower() or "false"
        if value not in ("true", "false"):
            self.problem(f"{name}={value!r} must be true or false.")
        return value == "true"

    def words(self, name: str) -> list[str]:
        """A list separated by commas or spaces."""
        return self.get(name).replace(",", " ").split()

    def duration(self, name: str, default: str, allow_zero: bool = False) -> int:
        """Seconds from a plain number or a number with a unit: 90, 90s, 30m, 8h, 7d."""
        value = self.get(name) or default
        match = _DURATION.match(value)
        if not match or (int(match.group(1)) == 0 and not allow_zero):
            self.problem(f"{name}={value!r} is not a duration: use seconds or a number with s, m, h or d, like 8h.")
            return 1
        return int(match.group(1)) * _DURATION_UNITS[match.group(2) or "s"]
