"""Create, reuse or delete a user pool, its domain, an app client and a test user, as the Cognito docs prescribe.

Everything is found by name, so a second run reuses what the first made (and puts drifted
app client settings back) instead of making duplicates. A dry run makes read calls only.
Only boto3 here; the command in cognito.py does the talking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .aws import one_line_errors

if TYPE_CHECKING:
    from botocore.client import BaseClient

#: The app client this relying party needs: a confidential client using the authorization code grant.
EXPLICIT_AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
OAUTH_FLOWS = ("code",)
OAUTH_SCOPES = ("openid", "email", "profile")
IDENTITY_PROVIDERS = ("COGNITO",)
#: Minutes a hosted-UI sign-in may take; Cognito accepts 3 to 15.
AUTH_SESSION_MINUTES = 3


class ProvisionError(Exception):
    """What exists in the account stops the run; the message says what to change."""


@dataclass(frozen=True)
class Blueprint:
    """What to provision, by name."""

    pool_name: str
    domain_prefix: str
    client_name: str
    callback_url: str
    sign_out_url: str
    #: A test user's email and permanent password, or None.
    user: tuple[str, str] | None = None


@dataclass(frozen=True)
class Provisioned:
    """What the relying party's .env needs to know about the result. The secret is hidden from repr()."""

    region: str
    pool_id: str
    client_id: str
    client_secret: str = field(repr=False)


def client_settings(callback_url: str, sign_out_url: str) -> dict[str, Any]:
    """The app client's settings as create/update_user_pool_client take them (the secret is chosen at creation)."""
    return {
        "ExplicitAuthFlows": list(EXPLICIT_AUTH_FLOWS),
        "AuthSessionValidity": AUTH_SESSION_MINUTES,
        "AllowedOAuthFlows": list(OAUTH_FLOWS),
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": list(OAUTH_SCOPES),
        "CallbackURLs": [callback_url],
        "LogoutURLs": [sign_out_url],
        "SupportedIdentityProviders": list(IDENTITY_PROVIDERS),
        # The app revokes the refresh token when the user signs out.
        "EnableTokenRevocation": True,
        "PreventUserExistenceErrors": "ENABLED",
    }


_PAST = {"create": "created", "update": "updated", "delete": "deleted", "set the password of": "set the password of",
         "turn off": "turned off"}
_T = TypeVar("_T")


class Provisioner:
    """Runs the steps against one cognito-idp client, telling `say` one line per thing touched."""

    def __init__(self, cognito: BaseClient, say: Callable[[str], None], dry_run: bool = False):
        self.cognito = cognito
        self.say = say
        self.dry_run = dry_run

    @property
    def region(self) -> str:
        return self.cognito.meta.region_name

    def _do(self, action: str, thing: str, call: Callable[[], _T]) -> _T | None:
        """Make the write call and say it was done, or in a dry run only say it would be."""
        if self.dry_run:
            self.say(f"would {action} {thing}")
            return None
        result = call()
        self.say(f"{_PAST[action]} {thing}")
        return result

    def _reuse(self, thing: str) -> None:
        self.say(f"would reuse {thing}" if self.dry_run else f"reused {thing}")

    # Provisioning ---------------------------------------------------------------------------

    def provision(self, blueprint: Blueprint) -> Provisioned | None:
        """Make sure everything exists as prescribed; None in a dry run."""
        with one_line_errors():
            pool_id = self._pool(blueprint.pool_name)
            if pool_id is None:  # a dry run, and no pool yet: the rest would be new too
                self.say(f"would create domain prefix {blueprint.domain_prefix}")
                self.say(f"would create app client {blueprint.client_name}")
                self.say(f"would create {_style(blueprint.client_name)} (Cognito's default look)")
                if blueprint.user:
                    self.say(f"would create test user {blueprint.user[0]}")
                return None
            self._domain(pool_id, blueprint.domain_prefix)
            client = self._client(pool_id, blueprint)
            self.managed_login_style(pool_id, client, blueprint.client_name)
            if blueprint.user:
                self._user(pool_id, *blueprint.user)
        if self.dry_run:
            return None
        return Provisioned(self.region, pool_id, client["ClientId"], client["ClientSecret"])

    def _pool(self, name: str) -> str | None:
        pool = self._one_pool_named(name)
        if pool is not None:
            self._reuse(f"user pool {name} ({pool['Id']})")
            return pool["Id"]
        if self.dry_run:
            self.say(f"would create user pool {name}")
            return None
        pool_id = self.cognito.create_user_pool(
            PoolName=name,
            # Users sign in with their email address, verified by Cognito; only an admin creates users.
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
        self.say(f"created user pool {name} ({pool_id})")
        return pool_id

    def _domain(self, pool_id: str, prefix: str) -> None:
        thing = f"domain prefix {prefix} ({hosted_ui_domain(prefix, self.region)})"
        current = self.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"].get("Domain")
        if current == prefix:
            self._reuse(thing)
            return
        if current:
            raise ProvisionError(
                f"user pool {pool_id} already has the domain prefix {current!r}: pass --domain-prefix {current}"
            )
        owner = self.cognito.describe_user_pool_domain(Domain=prefix)["DomainDescription"].get("UserPoolId")
        if owner:
            raise ProvisionError(f"the domain prefix {prefix!r} belongs to user pool {owner}: choose another one")
        # Version 2 is managed login, what the console gives a new domain; 1 is the classic hosted UI.
        self._do("create", thing, lambda: self.cognito.create_user_pool_domain(
            UserPoolId=pool_id, Domain=prefix, ManagedLoginVersion=2))

    def managed_login_style(self, pool_id: str, client: dict[str, Any] | None, client_name: str) -> None:
        """The managed login style the app client needs. API reference, CreateUserPoolDomain
        (ManagedLoginVersion) and CreateManagedLoginBranding: "When you create an app client
        programmatically, your app client has no branding style"; UseCognitoProvidedValues gives
        Cognito's default one, as the console does. An endpoint that does not implement these
        operations (moto) is said in one line, and the run goes on."""
        thing = _style(client_name)
        if client is None:  # a dry run that would create the client
            self.say(f"would create {thing} (Cognito's default look)")
            return
        try:
            found = self.cognito.describe_managed_login_branding_by_client(
                UserPoolId=pool_id, ClientId=client["ClientId"])["ManagedLoginBranding"]
        except self.cognito.exceptions.ResourceNotFoundException:
            found = None
        except self.cognito.exceptions.ClientError as error:
            if not _not_implemented(error):
                raise
            self.say(f"{thing}: not made, the endpoint has no {error.operation_name} (moto has none): "
                     "make one in the Cognito console (Branding, Managed login)")
            return
        if found is not None:
            self._reuse(f"{thing} ({found['ManagedLoginBrandingId']})")
            return
        self._do("create", f"{thing} (Cognito's default look)", lambda: self.cognito.create_managed_login_branding(
            UserPoolId=pool_id, ClientId=client["ClientId"], UseCognitoProvidedValues=True))

    def _client(self, pool_id: str, blueprint: Blueprint) -> dict[str, Any] | None:
        wanted = client_settings(blueprint.callback_url, blueprint.sign_out_url)
        found = self._clients_named(pool_id, blueprint.client_name)
        if len(found) > 1:
            ids = ", ".join(client["ClientId"] for client in found)
            raise ProvisionError(f"user pool {pool_id} has {len(found)} app clients named "
                                 f"{blueprint.client_name!r} ({ids}): delete all but one")
        if not found:
            if self.dry_run:
                self.say(f"would create app client {blueprint.client_name}")
                return None
            client = self.cognito.create_user_pool_client(
                UserPoolId=pool_id, ClientName=blueprint.client_name, GenerateSecret=True, **wanted
            )["UserPoolClient"]
            self.say(f"created app client {blueprint.client_name} ({client['ClientId']})")
            return client
        client = self.cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=found[0]["ClientId"])[
            "UserPoolClient"]
        if not client.get("ClientSecret"):
            raise ProvisionError(
                f"app client {blueprint.client_name} ({client['ClientId']}) has no client secret, and Cognito cannot "
                "add one to an existing client: delete it, or pass another --client-name"
            )
        drifted = [name for name, value in wanted.items() if _comparable(client.get(name)) != _comparable(value)]
        thing = f"app client {blueprint.client_name} ({client['ClientId']})"
        if not drifted:
            self._reuse(thing)
        else:
            request = self._update_request(client, wanted)
            self._do("update", f"{thing}: {', '.join(drifted)}",
                     lambda: self.cognito.update_user_pool_client(**request))
        return client

    def _update_request(self, client: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
        """Every updatable setting: UpdateUserPoolClient resets the ones it is not given to their defaults."""
        updatable = self.cognito.meta.service_model.operation_model("UpdateUserPoolClient").input_shape.members
        request = {name: value for name, value in client.items() if name in updatable} | wanted
        if request.get("DefaultRedirectURI") not in request["CallbackURLs"]:
            request.pop("DefaultRedirectURI", None)
        return request

    def _user(self, pool_id: str, email: str, password: str) -> None:
        try:
            self.cognito.admin_get_user(UserPoolId=pool_id, Username=email)
        except self.cognito.exceptions.UserNotFoundException:
            attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
            # The password is the temporary one too, so that AWS refuses a weak one before the user exists.
            self._do("create", f"test user {email} (email verified)", lambda: self.cognito.admin_create_user(
                UserPoolId=pool_id, Username=email, UserAttributes=attributes, TemporaryPassword=password,
                MessageAction="SUPPRESS"))
        else:
            self._reuse(f"test user {email}")
        self._do("set the password of", f"test user {email} (permanent)", lambda: self.cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=password, Permanent=True))

    # Deleting -------------------------------------------------------------------------------

    def delete(self, pool_name: str, client_name: str, *, force: bool = False) -> None:
        """Remove the app client, the pool's domain and the pool; what is absent is only mentioned."""
        with one_line_errors():
            found = self._one_pool_named(pool_name)
            if found is None:
                self.say(f"user pool {pool_name}: not found, nothing to delete")
                return
            pool_id = found["Id"]
            pool = self.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
            protected = pool.get("DeletionProtection") == "ACTIVE"
            if protected and not force:
                raise ProvisionError(
                    f"user pool {pool_name} ({pool_id}) has deletion protection: turn it off in the Cognito "
                    "console, or pass --force to have it turned off; nothing was deleted"
                )
            clients = self._clients_named(pool_id, client_name)
            if not clients:
                self.say(f"app client {client_name}: not found")
            for client in clients:
                self._do("delete", f"app client {client_name} ({client['ClientId']})",
                         lambda client=client: self.cognito.delete_user_pool_client(
                             UserPoolId=pool_id, ClientId=client["ClientId"]))
            if pool.get("Domain"):
                self._do("delete", f"domain prefix {pool['Domain']}",
                         lambda: self.cognito.delete_user_pool_domain(UserPoolId=pool_id, Domain=pool["Domain"]))
            if protected:
                # UpdateUserPool resets the settings it is not given: harmless for a pool about to go.
                self._do("turn off", f"deletion protection of user pool {pool_name}",
                         lambda: self.cognito.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE"))
            self._do("delete", f"user pool {pool_name} ({pool_id}) and its users",
                     lambda: self.cognito.delete_user_pool(UserPoolId=pool_id))

    # Lookups by name ------------------------------------------------------------------------

    def _one_pool_named(self, name: str) -> dict[str, Any] | None:
        pools = [pool for pool in _pages(self.cognito, "list_user_pools", "UserPools", MaxResults=60)
                 if pool["Name"] == name]
        if len(pools) > 1:
            ids = ", ".join(pool["Id"] for pool in pools)
            raise ProvisionError(f"{len(pools)} user pools are named {name!r} ({ids}): delete all but one, "
                                 "or choose another --pool-name")
        return pools[0] if pools else None

    def _clients_named(self, pool_id: str, name: str) -> list[dict[str, Any]]:
        clients = _pages(self.cognito, "list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id, MaxResults=60)
        return [client for client in clients if client["ClientName"] == name]


def _style(client_name: str) -> str:
    return f"managed login style of app client {client_name}"


def _not_implemented(error: Any) -> bool:
    """An answer that is no Cognito error but a bare HTTP status (botocore then names the error by
    the status): what an emulator without the operation, such as moto, gives."""
    return str(error.response.get("Error", {}).get("Code", "")).isdigit()


def hosted_ui_domain(prefix: str, region: str) -> str:
    """The hosted UI's host for a Cognito domain prefix."""
    return f"{prefix}.auth.{region}.amazoncognito.com"


def _pages(cognito: BaseClient, operation: str, key: str, **arguments: Any) -> Iterator[dict[str, Any]]:
    for page in cognito.get_paginator(operation).paginate(**arguments):
        yield from page.get(key, [])


def _comparable(value: Any) -> Any:
    """Cognito does not keep the order of lists such as the scopes."""
    return sorted(value) if isinstance(value, list) else value
