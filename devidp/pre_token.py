"""The pre token generation Lambda trigger, as a Python callable the pool file names.

Cognito developer guide, "Pre token generation Lambda trigger" (V2_0 event, "Basic features +
access token customization"): before it issues a person's ID and access tokens, Cognito sends
the function the user's attributes, group configuration and scopes; the function's answer in
``response.claimsAndScopeOverrideDetails`` adds or overrides claims (``claimsToAddOrOverride``)
and removes them (``claimsToSuppress``) in each token, adds or removes the access token's scopes
(``scopesToAdd``, ``scopesToSuppress``), and replaces the groups, roles and preferred role
(``groupOverrideDetails``). Machine-to-machine tokens (the V3_0 event) get no call here.

The guide names the claims a function cannot change; it does not say what happens when one
tries, so the emulator leaves such a claim as it is and logs a warning. A claim both added and
suppressed is suppressed. An answer of another shape is refused (Cognito's
InvalidLambdaResponseException), as is a function that raises (UnexpectedLambdaException).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .config import GroupClaims, PoolConfig
from .models import Principal, TokenShape
from .tokens import identities_claim

log = logging.getLogger("devidp")

#: triggerSource values: a sign-in on the hosted UI (code exchange), and a refresh.
HOSTED_AUTH = "TokenGeneration_HostedAuth"
REFRESH_TOKENS = "TokenGeneration_RefreshTokens"

#: "You can't modify the following claims" (ID token), and for the access token the claims that
#: identify the token, its user and client; the group claims change through groupOverrideDetails.
_FIXED_CLAIMS = frozenset(
    {"acr", "amr", "aud", "auth_time", "azp", "exp", "iat", "identities", "iss", "jti", "nbf",
     "nonce", "origin_jti", "sub", "token_use", "cognito:groups", "cognito:roles",
     "cognito:preferred_role"}
)
_FIXED_ID_CLAIMS = _FIXED_CLAIMS | {"at_hash", "cognito:username"}
_FIXED_ACCESS_CLAIMS = _FIXED_CLAIMS | {"client_id", "scope", "username", "version", "event_id"}
_TOKEN_FIELDS = {
    "idTokenGeneration": {"claimsToAddOrOverride", "claimsToSuppress"},
    "accessTokenGeneration": {"claimsToAddOrOverride", "claimsToSuppress", "scopesToAdd",
                              "scopesToSuppress"},
}
_GROUP_FIELDS = {"groupsToOverride", "iamRolesToOverride", "preferredRole"}


class HookFailed(Exception):
    """The hook raised, or answered what Cognito would refuse; ``exception`` is the API's name."""

    def __init__(self, exception: str, message: str):
        super().__init__(message)
        self.exception = exception


def shape_tokens(pool: PoolConfig, principal: Principal, scope: str, trigger_source: str) -> Principal:
    """``principal`` with the shape of the tokens about to be issued for ``scope``."""
    claims = pool.group_claims(principal.user)
    shape = TokenShape(groups=claims.groups, roles=claims.roles, preferred_role=claims.preferred_role)
    if pool.pre_token_hook is not None:
        event = _event(pool, principal, scope, trigger_source, claims)
        try:
            answer = pool.pre_token_hook(copy.deepcopy(event), None)
        except Exception as error:  # the developer's function: whatever it raises is its failure
            raise HookFailed(
                "UnexpectedLambdaException",
                f"{pool.pre_token_generation} raised {type(error).__name__}: {error}",
            ) from error
        shape = _apply(shape, answer, pool.pre_token_generation or "")
    return replace(principal, shape=shape)


def _event(
    pool: PoolConfig, principal: Principal, scope: str, trigger_source: str, claims: GroupClaims
) -> dict[str, Any]:
    """The V2_0 request, as the guide's example event shows it."""
    user = principal.user
    attributes: dict[str, str] = {"sub": user.sub or ""}
    if user.email is not None:
        attributes["email"] = user.email
        attributes["email_verified"] = "true" if user.email_verified else "false"
    for name, value in user.attributes.items():
        attributes[name] = ("true" if value else "false") if isinstance(value, bool) else value
    if user.identities:
        attributes["identities"] = json.dumps(identities_claim(user))
    attributes["cognito:user_status"] = user.status
    return {
        "version": "2",
        "triggerSource": trigger_source,
        "region": pool.region,
        "userPoolId": pool.pool_id,
        "userName": user.username,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": principal.client.client_id,
        },
        "request": {
            "userAttributes": attributes,
            "groupConfiguration": {
                "groupsToOverride": list(claims.groups),
                "iamRolesToOverride": list(claims.roles),
                "preferredRole": claims.preferred_role,
            },
            "scopes": scope.split(),
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def _refuse(hook: str, problem: str) -> HookFailed:
    return HookFailed("InvalidLambdaResponseException", f"{hook} answered {problem}")


def _apply(shape: TokenShape, answer: Any, hook: str) -> TokenShape:
    if not isinstance(answer, Mapping):
        raise _refuse(hook, f"{type(answer).__name__}, not the event with its response")
    response = answer.get("response")
    if response is None:
        return shape
    if not isinstance(response, Mapping):
        raise _refuse(hook, "a response that is not an object")
    if "claimsOverrideDetails" in response:
        raise _refuse(hook, "claimsOverrideDetails (V1_0); the V2_0 event takes claimsAndScopeOverrideDetails")
    details = response.get("claimsAndScopeOverrideDetails")
    if details is None:
        return shape
    _check_fields(details, set(_TOKEN_FIELDS) | {"groupOverrideDetails"}, "claimsAndScopeOverrideDetails", hook)
    id_part = _part(details, "idTokenGeneration", hook)
    access_part = _part(details, "accessTokenGeneration", hook)
    groups = _part(details, "groupOverrideDetails", hook, _GROUP_FIELDS)
    return replace(
        shape,
        id_claims=_claims(id_part, _FIXED_ID_CLAIMS, "idTokenGeneration", hook),
        id_suppressed=_suppressed(id_part, _FIXED_ID_CLAIMS, "idTokenGeneration", hook),
        access_claims=_claims(access_part, _FIXED_ACCESS_CLAIMS, "accessTokenGeneration", hook),
        access_suppressed=_suppressed(access_part, _FIXED_ACCESS_CLAIMS, "accessTokenGeneration", hook),
        scopes_added=tuple(_strings(access_part, "scopesToAdd", hook, scopes=True)),
        scopes_suppressed=frozenset(_strings(access_part, "scopesToSuppress", hook, scopes=True)),
        groups=tuple(_strings(groups, "groupsToOverride", hook, default=shape.groups)),
        roles=tuple(_strings(groups, "iamRolesToOverride", hook, default=shape.roles)),
        preferred_role=_preferred_role(groups, shape.preferred_role, hook),
    )


def _check_fields(part: Any, allowed: set[str], where: str, hook: str) -> None:
    if not isinstance(part, Mapping):
        raise _refuse(hook, f"{where} that is not an object")
    unknown = sorted(set(part) - allowed)
    if unknown:
        raise _refuse(hook, f"{where} with unknown fields {unknown} (expected some of {sorted(allowed)})")


def _part(details: Mapping[str, Any], name: str, hook: str, allowed: set[str] | None = None) -> Mapping[str, Any]:
    part = details.get(name)
    if part is None:
        return {}
    _check_fields(part, allowed or _TOKEN_FIELDS[name], name, hook)
    return part


def _strings(
    part: Mapping[str, Any], name: str, hook: str, *, scopes: bool = False, default: tuple[str, ...] = ()
) -> tuple[str, ...]:
    values = part.get(name)
    if values is None:
        return default
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise _refuse(hook, f"{name} that is not a list of strings")
    if scopes and any(" " in v for v in values):
        raise _refuse(hook, f"{name} with a space in a scope")
    return tuple(values)


def _claims(part: Mapping[str, Any], fixed: frozenset[str], where: str, hook: str) -> dict[str, Any]:
    claims = part.get("claimsToAddOrOverride")
    if claims is None:
        return {}
    if not isinstance(claims, Mapping) or not all(isinstance(k, str) for k in claims):
        raise _refuse(hook, f"{where}.claimsToAddOrOverride that is not an object")
    try:
        json.dumps(claims, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise _refuse(hook, f"{where}.claimsToAddOrOverride that is not JSON: {error}") from None
    return {name: value for name, value in claims.items() if not _is_fixed(name, fixed, where)}


def _suppressed(part: Mapping[str, Any], fixed: frozenset[str], where: str, hook: str) -> frozenset[str]:
    names = _strings(part, "claimsToSuppress", hook)
    return frozenset(name for name in names if not _is_fixed(name, fixed, where))


def _is_fixed(name: str, fixed: frozenset[str], where: str) -> bool:
    if name in fixed or name.startswith("dev:"):
        log.warning("pre token generation: %s cannot change the claim %r; it is left as it is", where, name)
        return True
    return False


def _preferred_role(groups: Mapping[str, Any], current: str | None, hook: str) -> str | None:
    if "preferredRole" not in groups:
        return current
    value = groups["preferredRole"]
    if value is not None and not isinstance(value, str):
        raise _refuse(hook, "a preferredRole that is not a string")
    return value or None
