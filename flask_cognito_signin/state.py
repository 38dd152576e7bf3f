"""What CognitoSignIn keeps for one app, in `app.extensions["cognito_signin"]`, and how code finds it.

Per-request code looks the state up through `current_app` (as flask-login does), never
through a module global, so one process may serve several apps with different settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app

from .alb import LoadBalancerSignIn
from .auth_records import AuthRecords
from .oidc import Provider
from .pending_sign_ins import PendingSignIns
from .sessions import SessionStore
from .settings import ConfigError, Settings

EXTENSION_KEY = "cognito_signin"


@dataclass(frozen=True)
class SignInState:
    settings: Settings
    #: The identity providers by alias, the default one first.
    providers: Mapping[str, Provider]
    store: SessionStore
    auth_records: AuthRecords
    pending_sign_ins: PendingSignIns
    #: The load balancer that signs people in (COGNITO_SIGNIN_MODE=alb), or None: the app does it itself.
    load_balancer: LoadBalancerSignIn | None = None


@dataclass(frozen=True)
class Unconfigured:
    """What is kept instead under a `flask` command when the settings are not valid yet: why, and the
    options CognitoSignIn was given (`flask cognito emulator` registers the callback URL they make)."""

    error: ConfigError
    url_prefix: str
    api_prefix: str
    settings_from: str


def signin_state(app: Flask | None = None) -> SignInState:
    """This app's sign-in state; raises the ConfigError that kept it from being built (under `flask` commands)."""
    state = (app or current_app).extensions[EXTENSION_KEY]
    if isinstance(state, Unconfigured):
        raise state.error
    return state
