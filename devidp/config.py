"""The emulated user pool: users, groups and app clients, loaded from TOML.

The checked-in ``pool.toml`` is the demo pool that ``make run`` uses; a
developer can point ``--config`` or ``DEVIDP_CONFIG`` at their own file.
Every dataclass validates itself on construction, so a config built in
Python (as tests do, often with ``dataclasses.replace``) is held to the same
rules as one read from a file, and every error names the offending field.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import importlib
import importlib.util
import inspect
import ipaddress
import os
import re
import tomllib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

DEFAULT_CONFIG_PATH = Path(__file__).with_name("pool.toml")
CONFIG_ENV_VAR = "DEVIDP_CONFIG"

#: Cognito's UsernameAttributes: a pool may sign users in with these instead of
#: a user name, and then generates each user name as a UUID (Cognito developer
#: guide: "Working with user attributes", customizing sign-in attributes).
USERNAME_ATTRIBUTES = ("email", "phone_number")
#: The scopes a Cognito user pool supports without a resource server.
SUPPORTED_SCOPES = ("openid", "email", "phone", "profile")
#: Cognito's AllowedOAuthFlows; "implicit" is accepted in a config but not emulated.
OAUTH_FLOWS = ("code", "implicit", "client_credentials")
#: Cognito's AllowedOAuthFlows that sign a person in (they need callback URLs).
USER_OAUTH_FLOWS = ("code", "implicit")

#: Standard attributes besides email (which User has as fields of its own).
STANDARD_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "website",
        "zoneinfo",
    }
)
BOOLEAN_ATTRIBUTES = frozenset({"phone_number_verified"})
#: What an app client reads when its config names no read_attributes: "your app
#: can read the values of email_verified, phone_number_verified, and the standard
#: attributes" (Cognito API reference: UserPoolClientType ReadAttributes), so no custom:*.
DEFAULT_READ_ATTRIBUTES = STANDARD_ATTRIBUTES | {"email", "email_verified", "phone_number_verified"}
#: Refresh-token rotation's RetryGracePeriodSeconds range (Cognito developer guide:
#: "Refresh tokens", refresh token rotation: "a grace period of up to 60 seconds").
MAX_ROTATION_GRACE_SECONDS = 60

_POOL_ID = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$")
_NAME = re.compile(r"^\S{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
#: Cognito's resource-server Identifier and ScopeName patterns (API reference:
#: CreateResourceServer, ResourceServerScopeType); a custom scope is "identifier/name".
_RESOURCE_SERVER_ID = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")
_SCOPE_NAME = re.compile(r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$")
_PASSWORD_SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
#: Token lifetimes an app client may set, in seconds (Cognito developer guide:
#: "Understanding the identity (ID) token" and "...the access token": 5 minutes
#: to 1 day; "Refresh tokens": 60 minutes to 10 years).
LIFETIME_RANGES = {
    "id_token_validity_seconds": (5 * 60, 86400, "5 minutes and 1 day"),
    "access_token_validity_seconds": (5 * 60, 86400, "5 minutes and 1 day"),
    "refresh_token_validity_seconds": (3600, 10 * 365 * 86400, "60 minutes and 10 years"),
}
_MAX_CODE_VALIDITY = 3600
#: Cognito's UserStatus values that the emulator models: CONFIRMED, and an
#: administrator-created user who must choose a new password at first sign-in.
CONFIRMED = "CONFIRMED"
FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
#: The status of a user that a sign-in through an identity provider created: no password.
EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"
USER_STATUSES = (CONFIRMED, FORCE_CHANGE_PASSWORD, EXTERNAL_PROVIDER)
#: The name that stands for the pool's own users among an app client's
#: SupportedIdentityProviders and in the authorize endpoint's identity_provider.
COGNITO_PROVIDER = "COGNITO"
#: The identity provider types emulated (Cognito also has SAML and social providers).
PROVIDER_TYPES = ("OIDC",)
#: Cognito API reference, CreateIdentityProvider: ProviderName is up to 32 characters without
#: spaces, "_" only as the second one (user and group names join it to others with "_"). Here
#: also ASCII without quotes or backslashes, so that it fits an OAuth error_description.
_PROVIDER_NAME = re.compile(
    r"^[\x21\x23-\x5B\x5D\x5E\x60-\x7E]"  # not "_"
    r"[\x21\x23-\x5B\x5D-\x7E]"
    r"[\x21\x23-\x5B\x5D\x5E\x60-\x7E]{1,30}$"  # not "_"
)
#: CreateIdentityProvider IdpIdentifiers: 1 to 40 characters of [\w\s+=.@-].
_IDP_IDENTIFIER = re.compile(r"^[\w\s+=.@-]{1,40}$")
#: Cognito API reference, CreateGroup: Precedence is 0 to 2147483647; RoleArn an ARN, here an IAM role's.
MAX_GROUP_PRECEDENCE = 2**31 - 1
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
#: The pre token generation hook: "package.module:function", as entry points name callables.
_HOOK_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
#: Fields of the dataclasses below that the pool file cannot set (``_build`` refuses them).
_NOT_IN_FILE = {"in_pool_file": False}
#: RFC 4226 section 4 (R6): a shared secret of at least 128 bits.
_MIN_TOTP_SECRET_BYTES = 16
#: pyotp computes the codes (mfa.py); it is an extra, since only a pool with TOTP users needs it.
TOTP_NEEDS_PYOTP = "a TOTP user needs pyotp, which is not installed: pip install 'flask-cognito-signin[emulator-totp]'"
_SUB_NAMESPACE = uuid.UUID("6f1c1e0a-4c3b-4f7e-9a52-3d2f0c1b7e11")
#: Cognito's AllowedFirstAuthFactors (API reference: SignInPolicyType) that the emulator
#: signs in with: the password, and passkeys (WEB_AUTHN). EMAIL_OTP and SMS_OTP are not emulated.
PASSWORD_FACTOR, PASSKEY_FACTOR = "PASSWORD", "WEB_AUTHN"
FIRST_AUTH_FACTORS = (PASSWORD_FACTOR, PASSKEY_FACTOR)
#: Cognito's WebAuthnUserVerification (API reference: WebAuthnConfigurationType UserVerification).
USER_VERIFICATIONS = ("preferred", "required")
#: WebAuthnConfigurationType RelyingPartyId: 1 to 127 characters; here a DNS name in lowercase
#: letters, digits and hyphens, as browsers take it (no scheme, port or path).
_RELYING_PARTY_ID = re.compile(r"^(?=.{1,127}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
#: py_webauthn verifies the passkeys (passkeys.py); it is an extra, since only a pool with WEB_AUTHN needs it.
PASSKEYS_NEED_WEBAUTHN = (
    "WEB_AUTHN needs py_webauthn, which is not installed: pip install 'flask-cognito-signin[emulator-passkeys]'"
)


class ConfigError(ValueError):
    """The pool configuration is invalid; the message names the field."""


def _require(condition: bool, field_name: str, problem: str) -> None:
    if not condition:
        raise ConfigError(f"{field_name}: {problem}")


def _is_str_tuple(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, str) for v in value)


def _check_url(value: Any, field_name: str) -> None:
    _require(isinstance(value, str), field_name, "must be a string URL")
    parts = urlsplit(value)
    _require(
        parts.scheme in ("http", "https") and bool(parts.hostname),
        field_name,
        f"{value!r} is not an absolute http(s) URL",
    )
    _require(not parts.fragment, field_name, f"{value!r} must not have a fragment")


def _check_redirect_url(value: Any, field_name: str) -> None:
    """A callback or sign-out URL as Cognito accepts it.

    Cognito API reference, CreateUserPoolClient CallbackURLs/LogoutURLs (the
    Cognito developer guide's "App client" settings say the same): "Amazon
    Cognito requires HTTPS over HTTP except for http://localhost for testing
    purposes only". So http://127.0.0.1 is refused here, as it would be on AWS.
    """
    _check_url(value, field_name)
    parts = urlsplit(value)
    _require(
        parts.scheme == "https" or parts.hostname == "localhost",
        field_name,
        f"{value!r} must use https (Cognito accepts plain http only for http://localhost)",
    )


def normalize_origin(value: Any, field_name: str) -> str:
    """Return a public origin without a trailing slash, or raise.

    The issuer and every endpoint URL derive from the two configured
    origins, never from the request's Host header, so each must be an
    origin (no path or query).
    """
    _check_url(value, field_name)
    parts = urlsplit(value)
    _require(
        parts.path in ("", "/") and not parts.query,
        field_name,
        f"{value!r} must be an origin like http://127.0.0.1:9229 (no path or query)",
    )
    return value.rstrip("/")


def _check_password(password: Any) -> None:
    """Cognito's default password policy, so demo passwords are realistic."""
    _require(isinstance(password, str), "password", "must be a string")
    problems = []
    if len(password) < 8:
        problems.append("at least 8 characters")
    if not any(c.isupper() for c in password):
        problems.append("an uppercase letter")
    if not any(c.islower() for c in password):
        problems.append("a lowercase letter")
    if not any(c.isdigit() for c in password):
        problems.append("a number")
    if not any(c in _PASSWORD_SYMBOLS for c in password):
        problems.append("a symbol")
    _require(
        not problems,
        "password",
        "does not satisfy Cognito's default policy, it needs " + ", ".join(problems),
    )
    _require(password == password.strip(), "password", "must not start or end with a space")


def _check_totp_secret(secret: Any) -> None:
    if secret is None:
        return
    try:
        padded = secret + "=" * (-len(secret) % 8) if isinstance(secret, str) else ""
        key = base64.b32decode(padded, casefold=True)
    except (binascii.Error, ValueError):
        key = b""
    _require(
        len(key) >= _MIN_TOTP_SECRET_BYTES,
        "totp_secret",
        "must be a base32 secret of at least 128 bits (26+ characters, e.g. pyotp.random_base32())",
    )
    _require(_pyotp_installed(), "totp_secret", TOTP_NEEDS_PYOTP)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _pyotp_installed() -> bool:
    """Imported here, at the first TOTP user, so that a pool without one never needs it."""
    try:
        import pyotp  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class FederatedIdentity:
    """A user's account at an identity provider: one entry of the ID token's ``identities``
    claim (Cognito developer guide: "Understanding the identity (ID) token")."""

    provider_name: str
    #: The account's ``sub`` at the provider.
    user_id: str
    #: When the pool first saw the account, in milliseconds since the epoch (``dateCreated``).
    date_created: int
    provider_type: str = "OIDC"


@dataclass(frozen=True, kw_only=True)
class User:
    """A pool user. The password is plain text: this is a local demo pool.

    ``username`` is left out in pools with ``username_attributes``, where
    Cognito generates it; the pool then sets it to the user's ``sub``.
    A user of an identity provider (EXTERNAL_PROVIDER, made by federation.py)
    has ``identities`` and no password.
    """

    username: str | None = None
    #: Required, except for EXTERNAL_PROVIDER users, who have none.
    password: str | None = field(default=None, repr=False)
    email: str | None = None
    email_verified: bool = False
    groups: tuple[str, ...] = ()
    #: Stable across restarts; derived from the username when not given.
    sub: str | None = None
    #: Other standard attributes (``name``, ``phone_number``...) or ``custom:*``.
    attributes: Mapping[str, str | bool] = field(default_factory=dict)
    #: Cognito's Enabled: a disabled user cannot sign in or refresh (AdminDisableUser).
    enabled: bool = True
    #: Cognito's UserStatus: FORCE_CHANGE_PASSWORD makes the hosted UI ask for a new
    #: password at the next sign-in (the password here is then the temporary one).
    status: str = CONFIRMED
    #: A base32 TOTP secret (RFC 6238) makes the hosted UI ask for the 6-digit code
    #: after the password, as for a user with software-token MFA. Tests compute codes from it.
    totp_secret: str | None = field(default=None, repr=False)
    #: The accounts at identity providers this user signs in with (EXTERNAL_PROVIDER only).
    identities: tuple[FederatedIdentity, ...] = field(default=(), metadata=_NOT_IN_FILE)

    def __post_init__(self) -> None:
        _require(
            self.username is None
            or (isinstance(self.username, str) and bool(_NAME.match(self.username))),
            "username",
            "must be 1 to 128 characters without spaces",
        )
        _require(self.status in USER_STATUSES, "status", f"must be one of {list(USER_STATUSES)}")
        self._check_credentials()
        _require(
            self.email is None or (isinstance(self.email, str) and bool(_EMAIL.match(self.email))),
            "email",
            f"{self.email!r} is not an email address",
        )
        _require(isinstance(self.email_verified, bool), "email_verified", "must be true or false")
        _require(isinstance(self.enabled, bool), "enabled", "must be true or false")
        _check_totp_secret(self.totp_secret)
        _require(_is_str_tuple(self.groups), "groups", "must be a list of group names")
        for group in self.groups:
            _require(bool(_NAME.match(group)), "groups", f"{group!r} is not a valid group name")
        _require(len(set(self.groups)) == len(self.groups), "groups", "lists a group twice")
        self._init_attributes()
        self._init_sub()

    def _check_credentials(self) -> None:
        """A password for the pool's own users; identities, and no password, for the users of
        identity providers, which only a sign-in through the provider creates."""
        if not self.is_federated:
            _require(self.password is not None, "password", "required field is missing")
            _check_password(self.password)
            _require(not self.identities, "identities", "only EXTERNAL_PROVIDER users have them")
            return
        _require(
            isinstance(self.identities, tuple)
            and bool(self.identities)
            and all(isinstance(i, FederatedIdentity) for i in self.identities),
            "status",
            "EXTERNAL_PROVIDER users are created by a sign-in through an identity provider, "
            "not in the pool file",
        )
        _require(self.password is None, "password", "a user of an identity provider has none")
        _require(self.username is not None, "username", "required field is missing")

    @property
    def is_federated(self) -> bool:
        """Whether an identity provider signs this user in (Cognito's EXTERNAL_PROVIDER)."""
        return self.status == EXTERNAL_PROVIDER

    def _init_sub(self) -> None:
        if self.sub is None:
            seed = self.username or self.email or str(self.attributes.get("phone_number", ""))
            _require(bool(seed), "sub", "needs a username, an email or a phone_number to derive it")
            object.__setattr__(self, "sub", str(uuid.uuid5(_SUB_NAMESPACE, seed)))
            return
        try:
            uuid.UUID(str(self.sub))
        except ValueError:
            raise ConfigError(f"sub: {self.sub!r} is not a UUID") from None

    def _init_attributes(self) -> None:
        _require(isinstance(self.attributes, Mapping), "attributes", "must be a table")
        for name, value in self.attributes.items():
            where = f"attributes.{name}"
            if name in BOOLEAN_ATTRIBUTES:
                _require(isinstance(value, bool), where, "must be true or false")
            elif name in STANDARD_ATTRIBUTES or name.startswith("custom:"):
                _require(isinstance(value, str), where, "must be a string")
            else:
                raise ConfigError(
                    f"{where}: not a standard attribute or custom:* "
                    "(username, sub, email and email_verified are fields of the user)"
                )
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def check_password(self, candidate: str) -> bool:
        """Constant-time comparison, so timing does not leak the password; a user of an
        identity provider has none, and signs in at the provider only."""
        if self.password is None:
            hmac.compare_digest(candidate.encode(), candidate.encode())
            return False
        return hmac.compare_digest(self.password.encode(), candidate.encode())


def is_custom_scope(scope: str) -> bool:
    """A resource server's scope ("identifier/name"), as opposed to openid, email..."""
    return "/" in scope


@dataclass(frozen=True, kw_only=True)
class ResourceServer:
    """An API whose custom scopes app clients may be given (Cognito developer guide:
    "Scopes, M2M, and APIs with resource servers")."""

    identifier: str
    name: str = ""
    scopes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(
            isinstance(self.identifier, str) and bool(_RESOURCE_SERVER_ID.match(self.identifier)),
            "identifier",
            "must be 1 to 256 printable characters without spaces, quotes or backslashes",
        )
        _require(isinstance(self.name, str), "name", "must be a string")
        _require(_is_str_tuple(self.scopes), "scopes", "must be a list of scope names")
        for scope in self.scopes:
            _require(
                bool(_SCOPE_NAME.match(scope)),
                "scopes",
                f"{scope!r} is not a scope name (no spaces, '/', quotes or backslashes)",
            )
        _require(len(set(self.scopes)) == len(self.scopes), "scopes", "lists a scope twice")

    @property
    def custom_scopes(self) -> tuple[str, ...]:
        """The scope strings as tokens carry them: ``identifier/name``."""
        return tuple(f"{self.identifier}/{scope}" for scope in self.scopes)


#: What an identity provider's claims may set (Cognito developer guide: "Specifying identity
#: provider attribute mappings for your user pool"): the attributes, email and the flags.
MAPPABLE_ATTRIBUTES = STANDARD_ATTRIBUTES | BOOLEAN_ATTRIBUTES | {"email", "email_verified"}


@dataclass(frozen=True, kw_only=True)
class IdentityProvider:
    """An OpenID Connect provider the pool's users may sign in with (federation.py).

    Cognito developer guide, "Using OIDC identity providers with a user pool"; API
    reference, CreateIdentityProvider (ProviderDetails: client_id, client_secret,
    authorize_scopes, oidc_issuer). Cognito requires https endpoints; the emulator also
    takes http, so that another emulator on loopback can be the provider.
    """

    name: str
    #: Cognito's ProviderType; only "OIDC" is emulated.
    type: str = "OIDC"
    #: Cognito's oidc_issuer: the discovery document is read from
    #: ``{issuer}/.well-known/openid-configuration`` and must name this issuer.
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    #: Cognito's authorize_scopes: what the pool asks the provider for.
    scopes: tuple[str, ...] = ("openid",)
    #: Pool attribute -> the provider's claim that sets it at each sign-in.
    attribute_mapping: Mapping[str, str] = field(default_factory=dict)
    #: Other names for the provider in the authorize endpoint's ``idp_identifier``.
    idp_identifiers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(
            isinstance(self.name, str) and bool(_PROVIDER_NAME.match(self.name)),
            "name",
            "must be 3 to 32 ASCII characters without spaces, quotes or backslashes, "
            "'_' only as the second one (Cognito's ProviderName)",
        )
        _require(
            self.name != COGNITO_PROVIDER, "name", f"{COGNITO_PROVIDER} is the pool's own users"
        )
        _require(self.type in PROVIDER_TYPES, "type", f"must be one of {list(PROVIDER_TYPES)}")
        _check_url(self.issuer, "issuer")
        _require(not urlsplit(self.issuer).query, "issuer", "must not have a query")
        for name in ("client_id", "client_secret"):
            _require(
                isinstance(getattr(self, name), str) and bool(_NAME.match(getattr(self, name))),
                name,
                "must be 1 to 128 characters without spaces",
            )
        _require(
            _is_str_tuple(self.scopes) and "openid" in self.scopes,
            "scopes",
            "must be a list of scopes with openid (Cognito's authorize_scopes)",
        )
        _require(
            all(s and " " not in s for s in self.scopes), "scopes", "a scope has no spaces"
        )
        self._check_attribute_mapping()
        _require(
            _is_str_tuple(self.idp_identifiers)
            and all(_IDP_IDENTIFIER.match(i) for i in self.idp_identifiers),
            "idp_identifiers",
            "must be a list of 1 to 40 characters of letters, digits, spaces and _+=.@-",
        )

    def _check_attribute_mapping(self) -> None:
        mapping = self.attribute_mapping
        _require(isinstance(mapping, Mapping), "attribute_mapping", "must be a table")
        for attribute, claim in mapping.items():
            _require(
                attribute in MAPPABLE_ATTRIBUTES or attribute.startswith("custom:"),
                f"attribute_mapping.{attribute}",
                "not a standard attribute, email, a *_verified flag or custom:* "
                "(the user name is always the provider's sub)",
            )
            _require(
                isinstance(claim, str) and bool(claim),
                f"attribute_mapping.{attribute}",
                "must name one of the provider's claims",
            )
        object.__setattr__(self, "attribute_mapping", MappingProxyType(dict(mapping)))


@dataclass(frozen=True, kw_only=True)
class Group:
    """A user-pool group (Cognito developer guide: "Adding groups to a user pool").

    ``precedence`` orders a user's groups (0 first; a group without one comes after those
    with one) and picks the IAM role of ``cognito:preferred_role``; ``role_arn`` is the
    group's IAM role, listed in the ID token's ``cognito:roles``.
    """

    name: str
    description: str = ""
    precedence: int | None = None
    role_arn: str | None = None

    def __post_init__(self) -> None:
        _require(
            isinstance(self.name, str) and bool(_NAME.match(self.name)),
            "name",
            "must be 1 to 128 characters without spaces",
        )
        _require(isinstance(self.description, str), "description", "must be a string")
        _require(
            self.precedence is None
            or (type(self.precedence) is int and 0 <= self.precedence <= MAX_GROUP_PRECEDENCE),
            "precedence",
            f"must be a whole number from 0 (first) to {MAX_GROUP_PRECEDENCE} (Cognito's Precedence)",
        )
        _require(
            self.role_arn is None
            or (isinstance(self.role_arn, str) and bool(_ROLE_ARN.match(self.role_arn))),
            "role_arn",
            "must be an IAM role ARN like arn:aws:iam::123456789012:role/Readers (Cognito's RoleArn)",
        )


@dataclass(frozen=True)
class GroupClaims:
    """A user's groups as the ID token carries them: ``cognito:groups``, ``cognito:roles``,
    ``cognito:preferred_role`` (None: no such claim)."""

    groups: tuple[str, ...]
    roles: tuple[str, ...] = ()
    preferred_role: str | None = None


def _load_hook(name: Any) -> Callable[..., Any]:
    """The pre token generation hook named ``package.module:function``, imported now so that
    a wrong name stops the start with a clear message rather than failing a sign-in."""
    _require(
        isinstance(name, str) and bool(_HOOK_NAME.match(name)),
        "pre_token_generation",
        f"{name!r} is not a callable's name like mypackage.hooks:pre_token_generation",
    )
    module_name, attribute = name.split(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # the developer's module: any failure to import it is theirs
        raise ConfigError(
            f"pre_token_generation: cannot import {module_name}: {type(error).__name__}: {error}"
        ) from error
    function = getattr(module, attribute, None)
    _require(callable(function), "pre_token_generation", f"{module_name} has no callable {attribute}")
    try:
        inspect.signature(function).bind(None, None)
    except (TypeError, ValueError):
        raise ConfigError(
            f"pre_token_generation: {name} must take (event, context), as a Lambda handler does"
        ) from None
    return function


@dataclass(frozen=True)
class AppClient:
    """A user-pool app client. Lifetimes are in seconds, defaults as Cognito's."""

    client_id: str
    #: Required for the code flow; a client_credentials client has none.
    callback_urls: tuple[str, ...] = ()
    #: None makes a public client, which must then use PKCE.
    client_secret: str | None = field(default=None, repr=False)
    name: str = ""
    logout_urls: tuple[str, ...] = ()
    allowed_scopes: tuple[str, ...] = SUPPORTED_SCOPES
    allowed_oauth_flows: tuple[str, ...] = ("code",)
    id_token_validity_seconds: int = 3600
    access_token_validity_seconds: int = 3600
    refresh_token_validity_seconds: int = 30 * 86400
    auth_code_validity_seconds: int = 300
    #: Refresh-token rotation (Cognito developer guide: "Refresh tokens"): off by
    #: default; on, each refresh returns a new refresh token and the old one
    #: stays valid for the retry grace period (0 to 60 seconds) only.
    refresh_token_rotation: bool = False
    refresh_token_retry_grace_period_seconds: int = 0
    #: The attributes the client may read (Cognito's ReadAttributes); None reads
    #: the standard ones, email_verified and phone_number_verified.
    read_attributes: tuple[str, ...] | None = None
    #: Cognito's SupportedIdentityProviders: "COGNITO" (the pool's own users, with the
    #: sign-in page's password form) and names of the pool's identity_providers.
    supported_identity_providers: tuple[str, ...] = (COGNITO_PROVIDER,)

    def __post_init__(self) -> None:
        _require(
            isinstance(self.client_id, str) and bool(_CLIENT_ID.match(self.client_id)),
            "client_id",
            "must be 1 to 128 letters, digits, '_' or '+'",
        )
        _require(
            self.client_secret is None
            or (isinstance(self.client_secret, str) and bool(_NAME.match(self.client_secret))),
            "client_secret",
            "must be 1 to 128 characters without spaces (omit it for a public client)",
        )
        _require(isinstance(self.name, str), "name", "must be a string")
        self._check_flows()
        self._check_urls()
        self._check_scopes()
        for name, (low, high, words) in LIFETIME_RANGES.items():
            value = getattr(self, name)
            _require(
                type(value) is int and low <= value <= high,
                name,
                f"must be whole seconds from {low} to {high} "
                f"(Cognito allows between {words})",
            )
        _require(
            type(self.auth_code_validity_seconds) is int
            and 0 < self.auth_code_validity_seconds <= _MAX_CODE_VALIDITY,
            "auth_code_validity_seconds",
            f"must be whole seconds from 1 to {_MAX_CODE_VALIDITY} (Cognito's is 300)",
        )
        self._check_refresh_rotation()
        self._check_read_attributes()
        _require(
            _is_str_tuple(self.supported_identity_providers)
            and len(set(self.supported_identity_providers))
            == len(self.supported_identity_providers),
            "supported_identity_providers",
            f"must be a list of {COGNITO_PROVIDER} and identity provider names, each once",
        )

    def supports(self, provider_name: str) -> bool:
        """Whether users may sign in to this client with ``provider_name`` (or COGNITO)."""
        return provider_name in self.supported_identity_providers

    def _check_flows(self) -> None:
        """Cognito API reference, CreateUserPoolClient AllowedOAuthFlows: client_credentials
        needs a client secret and cannot be combined with the user flows (Cognito
        developer guide: "Scopes, M2M, and APIs with resource servers")."""
        flows = self.allowed_oauth_flows
        _require(
            _is_str_tuple(flows) and bool(flows) and set(flows) <= set(OAUTH_FLOWS),
            "allowed_oauth_flows",
            f"must be a non-empty list from {list(OAUTH_FLOWS)}",
        )
        if "client_credentials" not in flows:
            return
        _require(
            not set(flows) & set(USER_OAUTH_FLOWS),
            "allowed_oauth_flows",
            "client_credentials cannot be combined with code or implicit (as in Cognito)",
        )
        _require(
            self.client_secret is not None,
            "client_secret",
            "a client_credentials client needs a client secret (as in Cognito)",
        )

    @property
    def is_machine_client(self) -> bool:
        """Whether the client gets tokens for itself (client_credentials), not for users."""
        return "client_credentials" in self.allowed_oauth_flows

    def _check_refresh_rotation(self) -> None:
        _require(
            isinstance(self.refresh_token_rotation, bool),
            "refresh_token_rotation",
            "must be true or false",
        )
        grace = self.refresh_token_retry_grace_period_seconds
        _require(
            type(grace) is int and 0 <= grace <= MAX_ROTATION_GRACE_SECONDS,
            "refresh_token_retry_grace_period_seconds",
            f"must be a whole number of seconds from 0 to {MAX_ROTATION_GRACE_SECONDS} "
            "(Cognito's RetryGracePeriodSeconds)",
        )

    def _check_read_attributes(self) -> None:
        if self.read_attributes is None:
            return
        _require(
            _is_str_tuple(self.read_attributes),
            "read_attributes",
            "must be a list of attribute names",
        )
        for name in self.read_attributes:
            _require(
                name in DEFAULT_READ_ATTRIBUTES or name.startswith("custom:"),
                "read_attributes",
                f"{name!r} is not a standard attribute, a *_verified flag or custom:*",
            )

    def readable(self, attribute: str) -> bool:
        """Whether this client may read ``attribute`` of a user."""
        allowed = (
            DEFAULT_READ_ATTRIBUTES if self.read_attributes is None else self.read_attributes
        )
        return attribute in allowed

    def _check_urls(self) -> None:
        _require(
            _is_str_tuple(self.callback_urls)
            and (bool(self.callback_urls) or self.is_machine_client),
            "callback_urls",
            "must be a non-empty list of URLs",
        )
        for i, url in enumerate(self.callback_urls):
            _check_redirect_url(url, f"callback_urls[{i}]")
        _require(_is_str_tuple(self.logout_urls), "logout_urls", "must be a list of URLs")
        for i, url in enumerate(self.logout_urls):
            _check_redirect_url(url, f"logout_urls[{i}]")

    def _check_scopes(self) -> None:
        """OIDC scopes and resource servers' custom scopes; a client_credentials client
        takes custom scopes only (Cognito developer guide: "Scopes, M2M, and APIs with
        resource servers"). The pool checks that each custom scope exists."""
        scopes = self.allowed_scopes
        _require(
            _is_str_tuple(scopes)
            and bool(scopes)
            and all(s in SUPPORTED_SCOPES or is_custom_scope(s) for s in scopes),
            "allowed_scopes",
            f"must be a non-empty list from {list(SUPPORTED_SCOPES)} "
            "and resource servers' custom scopes (identifier/name)",
        )
        _require(
            not self.is_machine_client or all(is_custom_scope(s) for s in scopes),
            "allowed_scopes",
            "a client_credentials client takes custom scopes (identifier/name) only, as in Cognito",
        )
        _require(
            "openid" in scopes or not set(scopes) & {"email", "phone", "profile"},
            "allowed_scopes",
            "email, phone and profile require openid (as in Cognito)",
        )

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    def check_secret(self, candidate: str) -> bool:
        if self.client_secret is None:
            return False
        return hmac.compare_digest(self.client_secret.encode(), candidate.encode())


@dataclass(frozen=True)
class PoolConfig:
    """A user pool: its id, users and app clients.

    The first user and the first client are the "default" ones a launcher
    shows the developer (``default_user``, ``default_client``).
    """

    pool_id: str
    users: tuple[User, ...]
    clients: tuple[AppClient, ...]
    #: Public origin of the issuer and JWKS (Cognito's
    #: https://cognito-idp.<region>.amazonaws.com); None: the server's http://host:port.
    issuer_base_url: str | None = None
    #: Sign-in attributes that replace the user name (Cognito's UsernameAttributes):
    #: () signs in with user names; ["email"] with email addresses, and each
    #: user's name is then a generated UUID (here: the user's sub).
    username_attributes: tuple[str, ...] = ()
    #: Public origin of the hosted UI and OAuth endpoints (the pool's domain,
    #: https://<prefix>.auth.<region>.amazoncognito.com); None: the server's second port.
    domain_url: str | None = None
    #: APIs with custom scopes for the app clients' allowed_scopes.
    resource_servers: tuple[ResourceServer, ...] = ()
    #: OpenID Connect providers the users may sign in with (federation).
    identity_providers: tuple[IdentityProvider, ...] = ()
    #: Cognito's SignInPolicy AllowedFirstAuthFactors: add "WEB_AUTHN" to offer passkeys.
    allowed_first_auth_factors: tuple[str, ...] = ("PASSWORD",)
    #: Cognito's WebAuthnRelyingPartyID; None: the host of the pool's domain.
    webauthn_relying_party_id: str | None = None
    #: Cognito's WebAuthnUserVerification: "required" refuses passkeys that did not verify the user.
    webauthn_user_verification: str = "preferred"
    #: Groups with a precedence or an IAM role. Once the pool declares groups, users may be in
    #: those only (and in the groups of identity providers' users, which federation makes).
    groups: tuple[Group, ...] = ()
    #: The pre token generation Lambda trigger, as a Python callable taking (event, context):
    #: "package.module:function" (pre_token.py sends it Cognito's V2_0 event).
    pre_token_generation: str | None = None
    pre_token_hook: Callable[..., Any] | None = field(init=False, repr=False, compare=False)
    _groups_by_name: Mapping[str, Group] = field(init=False, repr=False, compare=False)
    _users_by_name: Mapping[str, User] = field(init=False, repr=False, compare=False)
    _users_by_sign_in: Mapping[str, User] = field(init=False, repr=False, compare=False)
    _clients_by_id: Mapping[str, AppClient] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require(
            isinstance(self.pool_id, str)
            and len(self.pool_id) <= 55
            and bool(_POOL_ID.match(self.pool_id)),
            "pool_id",
            f"{self.pool_id!r} is not a user pool id like us-east-1_DevPool01",
        )
        for name in ("issuer_base_url", "domain_url"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, normalize_origin(getattr(self, name), name))
        _require(
            self.issuer_base_url is None or self.issuer_base_url != self.domain_url,
            "domain_url",
            "must differ from issuer_base_url: Cognito serves the issuer and the domain on two hosts",
        )
        _require(
            isinstance(self.users, tuple)
            and bool(self.users)
            and all(isinstance(u, User) for u in self.users),
            "users",
            "must list at least one user",
        )
        _require(
            isinstance(self.clients, tuple)
            and bool(self.clients)
            and all(isinstance(c, AppClient) for c in self.clients),
            "clients",
            "must list at least one app client",
        )
        self._init_usernames()
        # Cognito user pools are case-insensitive for usernames by default.
        users = {u.username.lower(): u for u in self.users}
        _require(len(users) == len(self.users), "users", "two users share a username")
        _require(
            len({u.sub for u in self.users}) == len(self.users), "users", "two users share a sub"
        )
        clients = {c.client_id: c for c in self.clients}
        _require(len(clients) == len(self.clients), "clients", "two clients share a client_id")
        self._check_custom_scopes()
        self._check_identity_providers()
        self._check_groups()
        object.__setattr__(
            self,
            "pre_token_hook",
            None if self.pre_token_generation is None else _load_hook(self.pre_token_generation),
        )
        self._check_passkeys()
        object.__setattr__(self, "_users_by_name", MappingProxyType(users))
        object.__setattr__(self, "_users_by_sign_in", MappingProxyType(self._sign_in_index()))
        object.__setattr__(self, "_clients_by_id", MappingProxyType(clients))

    def _check_custom_scopes(self) -> None:
        servers = self.resource_servers
        _require(
            isinstance(servers, tuple) and all(isinstance(r, ResourceServer) for r in servers),
            "resource_servers",
            "must be an array of tables ([[resource_servers]])",
        )
        _require(
            len({r.identifier for r in servers}) == len(servers),
            "resource_servers",
            "two resource servers share an identifier",
        )
        known = set(self.custom_scopes)
        for i, client in enumerate(self.clients):
            for scope in client.allowed_scopes:
                _require(
                    not is_custom_scope(scope) or scope in known,
                    f"clients[{i}].allowed_scopes",
                    f"{scope!r} is not a scope of any resource server in the pool",
                )

    @property
    def custom_scopes(self) -> tuple[str, ...]:
        return tuple(s for server in self.resource_servers for s in server.custom_scopes)

    def _check_identity_providers(self) -> None:
        providers = self.identity_providers
        _require(
            isinstance(providers, tuple)
            and all(isinstance(p, IdentityProvider) for p in providers),
            "identity_providers",
            "must be an array of tables ([[identity_providers]])",
        )
        names = [p.name for p in providers]
        _require(len(set(names)) == len(names), "identity_providers", "two providers share a name")
        identifiers = [i for p in providers for i in p.idp_identifiers]
        _require(
            len(set(identifiers)) == len(identifiers),
            "identity_providers",
            "two providers share an idp_identifier",
        )
        known = {COGNITO_PROVIDER, *names}
        for i, client in enumerate(self.clients):
            for name in client.supported_identity_providers:
                _require(
                    name in known,
                    f"clients[{i}].supported_identity_providers",
                    f"{name!r} is neither {COGNITO_PROVIDER} nor one of identity_providers",
                )

    def _check_passkeys(self) -> None:
        """Cognito developer guide, "Authentication flows" (passkey sign-in) and API reference,
        SetUserPoolMfaConfig WebAuthnConfiguration. The emulator's users all have passwords and
        add passkeys after a password sign-in, so PASSWORD stays among the factors."""
        factors = self.allowed_first_auth_factors
        _require(
            _is_str_tuple(factors) and PASSWORD_FACTOR in factors and set(factors) <= set(FIRST_AUTH_FACTORS)
            and len(set(factors)) == len(factors),
            "allowed_first_auth_factors",
            f"must be a list from {list(FIRST_AUTH_FACTORS)} with PASSWORD "
            "(EMAIL_OTP and SMS_OTP are not emulated)",
        )
        _require(
            self.webauthn_user_verification in USER_VERIFICATIONS,
            "webauthn_user_verification",
            f"must be one of {list(USER_VERIFICATIONS)}",
        )
        rp_id = self.webauthn_relying_party_id
        _require(
            rp_id is None or (isinstance(rp_id, str) and bool(_RELYING_PARTY_ID.match(rp_id))),
            "webauthn_relying_party_id",
            f"{rp_id!r} is not a domain name like auth.example.com or localhost "
            "(lowercase, without scheme, port or path)",
        )
        if self.passkeys_enabled:
            _require(importlib.util.find_spec("webauthn") is not None, "allowed_first_auth_factors",
                     PASSKEYS_NEED_WEBAUTHN)
            if self.domain_url is not None:
                self.relying_party_id(self.domain_url)

    @property
    def passkeys_enabled(self) -> bool:
        return PASSKEY_FACTOR in self.allowed_first_auth_factors

    def relying_party_id(self, domain_url: str) -> str:
        """The passkeys' relying party id for the pool's domain at ``domain_url``, or ConfigError.

        WebAuthn (section 5.1.3, "Create a New Credential") takes an rp id only if it is the host
        of the page's origin or a domain that host is under, and only on a secure context: https,
        or http://localhost, which browsers also trust. Cognito's RelyingPartyId is "typically your
        user pool domain" (API reference: WebAuthnConfigurationType).
        """
        host = urlsplit(domain_url).hostname or ""
        rp_id = self.webauthn_relying_party_id or host
        where = "webauthn_relying_party_id"
        _require(
            not _is_ip_address(rp_id),
            where,
            f"{rp_id!r} is an IP address, which WebAuthn does not take as a relying party id: "
            "serve the pool's domain on a name (domain_url = \"http://localhost:9230\")",
        )
        _require(
            host == rp_id or host.endswith("." + rp_id),
            where,
            f"{rp_id!r} must be the pool domain's host {host!r} or a domain it is under",
        )
        _require(
            domain_url.startswith("https://") or host == "localhost" or host.endswith(".localhost"),
            "domain_url",
            f"{domain_url!r}: browsers offer passkeys only on https or http://localhost",
        )
        return rp_id

    def identity_provider(self, name: str | None) -> IdentityProvider | None:
        """The provider named ``name`` (names are case-sensitive, as in Cognito)."""
        return next((p for p in self.identity_providers if p.name == name), None)

    def identity_provider_by_identifier(self, identifier: str | None) -> IdentityProvider | None:
        return next((p for p in self.identity_providers if identifier in p.idp_identifiers), None)

    def provider_group(self, provider: IdentityProvider) -> str:
        """The group Cognito puts a provider's users in: ``<poolId>_<ProviderName>``."""
        return f"{self.pool_id}_{provider.name}"

    def _check_groups(self) -> None:
        groups = self.groups
        _require(
            isinstance(groups, tuple) and all(isinstance(g, Group) for g in groups),
            "groups",
            "must be an array of tables ([[groups]])",
        )
        by_name = {g.name: g for g in groups}
        _require(len(by_name) == len(groups), "groups", "two groups share a name")
        object.__setattr__(self, "_groups_by_name", MappingProxyType(by_name))
        if not groups:
            return  # users' groups are then plain names, as before groups were declared
        known = set(by_name) | {self.provider_group(p) for p in self.identity_providers}
        for i, user in enumerate(self.users):
            for name in user.groups:
                _require(
                    name in known,
                    f"users[{i}].groups",
                    f"{name!r} is not one of the pool's [[groups]]",
                )

    def group_claims(self, user: User) -> GroupClaims:
        """The user's groups ordered by precedence (0 first, then groups without one, each
        tie in the user's own order), the groups' IAM roles, and the preferred role.

        Cognito developer guide, "Adding groups to a user pool": the group with the lowest
        precedence gives ``cognito:preferred_role``; groups that tie at it with different
        roles give none. The guide does not say how ``cognito:groups`` is ordered nor which
        groups compete for the preferred role; here: by precedence, among groups with a role.
        """
        def precedence(name: str) -> tuple[bool, int]:
            group = self._groups_by_name.get(name)
            value = group.precedence if group else None
            return (value is None, value or 0)

        ordered = tuple(sorted(user.groups, key=precedence))
        with_roles = [g for g in map(self._groups_by_name.get, ordered) if g and g.role_arn]
        roles = tuple(dict.fromkeys(g.role_arn for g in with_roles if g.role_arn))
        preferred = None
        if with_roles:
            best = precedence(with_roles[0].name)
            tied = {g.role_arn for g in with_roles if precedence(g.name) == best}
            preferred = tied.pop() if len(tied) == 1 else None
        return GroupClaims(groups=ordered, roles=roles, preferred_role=preferred)

    def _init_usernames(self) -> None:
        """Generated user names in pools that sign in with email or phone number."""
        attributes = self.username_attributes
        _require(
            _is_str_tuple(attributes)
            and len(set(attributes)) == len(attributes)
            and set(attributes) <= set(USERNAME_ATTRIBUTES),
            "username_attributes",
            f"must be a list from {list(USERNAME_ATTRIBUTES)} (Cognito's UsernameAttributes)",
        )
        if not attributes:
            for i, user in enumerate(self.users):
                _require(
                    user.username is not None,
                    f"users[{i}].username",
                    "required field is missing (or give the pool username_attributes)",
                )
            return
        for i, user in enumerate(self.users):
            if user.is_federated:  # named <Provider>_<sub> whatever the sign-in attributes
                continue
            _require(
                user.username is None,
                f"users[{i}].username",
                f"this pool signs in with {' or '.join(attributes)} (username_attributes), "
                "so Cognito generates the user name: remove it",
            )
            _require(
                any(self._sign_in_value(user, a) for a in attributes),
                f"users[{i}]",
                f"needs {' or '.join(attributes)} to sign in with",
            )
        generated = tuple(
            user if user.is_federated else replace(user, username=user.sub) for user in self.users
        )
        object.__setattr__(self, "users", generated)

    @staticmethod
    def _sign_in_value(user: User, attribute: str) -> str | None:
        value = user.email if attribute == "email" else user.attributes.get(attribute)
        return value.lower() if isinstance(value, str) else None

    def _sign_in_index(self) -> dict[str, User]:
        index: dict[str, User] = {}
        for attribute in self.username_attributes:
            # Users of identity providers sign in there, so their email is no sign-in name.
            for user in (u for u in self.users if not u.is_federated):
                value = self._sign_in_value(user, attribute)
                if value is not None:
                    _require(value not in index, "users", f"two users share the {attribute} {value}")
                    index[value] = user
        return index

    @property
    def signs_in_with(self) -> str:
        """What the sign-in page asks for: a user name, or the pool's sign-in attributes."""
        labels = {"email": "Email address", "phone_number": "Phone number"}
        return " or ".join(labels[a] for a in self.username_attributes) or "Username"

    @property
    def region(self) -> str:
        return self.pool_id.split("_", 1)[0]

    @property
    def default_user(self) -> User:
        return self.users[0]

    @property
    def default_client(self) -> AppClient:
        return self.clients[0]

    def user(self, username: str | None) -> User | None:
        """The user named ``username``, enabled or not."""
        if not username:
            return None
        return self._users_by_name.get(username.lower())

    def active_user(self, username: str | None) -> User | None:
        """The user named ``username`` if enabled: who tokens may be issued to or serve."""
        user = self.user(username)
        return user if user is not None and user.enabled else None

    def find(self, name: str) -> User | None:
        """A user by user name or, in pools with ``username_attributes``, by those."""
        return self._users_by_sign_in.get(name.lower()) or self.user(name)

    def client(self, client_id: str | None) -> AppClient | None:
        if not client_id:
            return None
        return self._clients_by_id.get(client_id)

    def authenticate(self, username: str, password: str) -> User | None:
        """Return the user if the password matches and the user is enabled.

        ``username`` may be the user name or, in pools with
        ``username_attributes``, one of those attributes. An unknown one still
        costs one comparison, so the response time does not tell which exist.
        A disabled user gets the same answer as a wrong password.
        """
        user = self.find(username)
        if user is None:
            hmac.compare_digest(password.encode(), password[::-1].encode())
            return None
        return user if user.check_password(password) and user.enabled else None


def _build(cls: type, data: Any, where: str) -> Any:
    """Construct ``cls`` from a TOML table, prefixing errors with ``where``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: must be a table")
    accepted = {f.name: f for f in fields(cls) if f.init and f.metadata.get("in_pool_file", True)}
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in accepted:
            raise ConfigError(f"{prefix}{key}: unknown field (expected one of {sorted(accepted)})")
    for name, spec in accepted.items():
        if name not in data and spec.default is MISSING and spec.default_factory is MISSING:
            raise ConfigError(f"{prefix}{name}: required field is missing")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    try:
        return cls(**kwargs)
    except ConfigError as error:
        raise ConfigError(f"{prefix}{error}") from None


def parse_user(data: Mapping[str, Any]) -> User:
    """A user from a table shaped like the pool file's ``[[users]]`` (the admin API's body)."""
    return _build(User, data, "user")


def parse_config(data: Mapping[str, Any], source: str = "config") -> PoolConfig:
    """Build a PoolConfig from parsed TOML; errors read ``source: field: problem``."""
    try:
        if not isinstance(data, Mapping):
            raise ConfigError("must be a table")
        tables = dict(data)
        for key, cls in (
            ("users", User),
            ("clients", AppClient),
            ("resource_servers", ResourceServer),
            ("identity_providers", IdentityProvider),
            ("groups", Group),
        ):
            items = tables.get(key, [])
            if not isinstance(items, list):
                raise ConfigError(f"{key}: must be an array of tables ([[{key}]])")
            tables[key] = [_build(cls, item, f"{key}[{i}]") for i, item in enumerate(items)]
        return _build(PoolConfig, tables, "")
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None


def load_config(path: str | os.PathLike[str] | None = None) -> PoolConfig:
    """Load the pool from ``path``, else ``$DEVIDP_CONFIG``, else the bundled pool.toml."""
    chosen = Path(path or os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH)
    try:
        with chosen.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as error:
        raise ConfigError(f"{chosen}: cannot read config: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{chosen}: invalid TOML: {error}") from None
    return parse_config(data, source=str(chosen))
