"""`flask cognito provision`: a user pool, domain, app client and test user for this app, and the .env to use them.

It works before any .env exists (create_app then holds only the commands). AWS access comes
from the standard AWS sources; APP_BASE_URL from the environment gives the URLs registered.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from flask_cognito_signin.settings import CALLBACK_PATH, is_loopback_host

from . import emulator, envfile, sessions
from .aws import AWSError, cognito_client
from .pools import discovery_settings
from .provision import Blueprint, Provisioner, ProvisionError, hosted_ui_domain

#: Cognito's rule for domain prefixes: lower-case letters, digits and inner hyphens, no reserved words.
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_WORDS = ("aws", "amazon", "cognito")
#: Seconds to wait for an emulator's discovery document.
_PROBE_TIMEOUT = 5.0
#: Where the test user's password may come from instead of a prompt (scripts, CI).
PASSWORD_ENV_VAR = "COGNITO_TEST_USER_PASSWORD"

group = AppGroup("cognito", help="Set up an Amazon Cognito user pool for this app, or run a local emulator of one; "
                                  "see and end its sessions.")
group.add_command(sessions.group)
group.add_command(emulator.emulator)


@group.command("provision")
@click.option("--pool-name", required=True, help="User pool to create, or reuse if one has this name.")
@click.option("--domain-prefix", help="Cognito domain prefix of the hosted UI (not needed with --delete).")
@click.option("--client-name", default="sign-in-with-cognito", show_default=True,
              help="App client to create, or reuse if the pool has one of this name.")
@click.option("--user", "user_email", metavar="EMAIL", help="Also create a test user with this verified email.")
@click.option("--password", metavar="PASSWORD",
              help=f"Deprecated: the process list and shell history would show it. Set {PASSWORD_ENV_VAR} "
                   "or answer the prompt.")
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the settings  [default: .env of the project]")
@click.option("--force", is_flag=True,
              help="Replace an existing env file; with --delete, turn off the pool's deletion protection.")
@click.option("--dry-run", is_flag=True, help="Say what would be created, reused or deleted; change nothing.")
@click.option("--delete", is_flag=True, help="Delete the app client, the pool's domain and the pool instead.")
def provision(pool_name: str, domain_prefix: str | None, client_name: str, user_email: str | None,
              password: str | None, env_file: Path | None, force: bool, dry_run: bool, delete: bool) -> None:
    """Create (or reuse) the user pool, domain and app client this app needs, and write its .env.

    The app client is the one the Cognito docs prescribe: a generated secret, the
    authorization code grant only, scopes openid email profile, callback URL
    APP_BASE_URL/oauth/v2/callback and sign-out URL APP_BASE_URL/. Running it again
    reuses what exists and puts drifted client settings back.

    The test user's password (with --user) is asked for at a prompt, or read from
    COGNITO_TEST_USER_PASSWORD: never given as an argument, which other local users can read
    in the process list and which the shell keeps in its history.

    \b
    APP_BASE_URL   this app's address (default http://localhost:5000)
    COGNITO_TEST_USER_PASSWORD   the test user's permanent password
    AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID...   the AWS account, as for the AWS CLI
    AWS_ENDPOINT_URL   another Cognito API, such as a moto server
    """
    try:
        if delete:
            if user_email or password:
                raise click.UsageError("--user and --password do not go with --delete.")
            Provisioner(cognito_client(), click.echo, dry_run).delete(pool_name, client_name, force=force)
            return
        _provision(pool_name, _domain_prefix(domain_prefix), client_name, _test_user(user_email, password),
                   env_file or Path(current_app.root_path).parent / ".env", force, dry_run)
    except (AWSError, ProvisionError) as error:
        raise click.ClickException(str(error)) from error


def _provision(pool_name: str, domain_prefix: str, client_name: str, user: tuple[str, str] | None,
               env_file: Path, force: bool, dry_run: bool) -> None:
    base_url = _app_base_url(os.environ.get("APP_BASE_URL", ""))
    if not dry_run:
        _check_writable(env_file, force)
    blueprint = Blueprint(pool_name, domain_prefix, client_name, base_url + CALLBACK_PATH, base_url + "/", user)
    cognito = cognito_client()
    provisioned = Provisioner(cognito, click.echo, dry_run).provision(blueprint)
    if provisioned is None:
        click.echo(f"would register callback URL {blueprint.callback_url}")
        click.echo(f"would register sign-out URL {blueprint.sign_out_url}")
        exists = " (it exists: pass --force to replace it)" if env_file.exists() and not force else ""
        click.echo(f"would write {env_file}{exists}")
        return
    discovery, notes = discovery_settings(cognito.meta.endpoint_url, provisioned.region, provisioned.pool_id,
                                          _PROBE_TIMEOUT)
    hosted_ui = hosted_ui_domain(domain_prefix, provisioned.region)
    text = envfile.render(provisioned, pool_name, client_name, discovery, base_url, hosted_ui)
    try:
        envfile.write(env_file, text, force=force)
    except OSError as error:
        raise click.ClickException(f"{env_file} not written ({error.strerror or error}); the AWS resources "
                                   "exist: run again with --force or another --env-file") from error
    for note in notes:
        click.echo(f"note: {note}")
    click.echo(f"callback URL registered: {blueprint.callback_url}")
    click.echo(f"sign-out URL registered: {blueprint.sign_out_url}")
    click.echo(f"hosted UI: https://{hosted_ui}")
    click.echo(f"wrote {env_file} (mode 0600)")


def _domain_prefix(prefix: str | None) -> str:
    if not prefix:
        raise click.UsageError("Missing option '--domain-prefix'.")
    if not _DOMAIN_PREFIX.match(prefix) or any(word in prefix for word in _RESERVED_WORDS):
        raise click.BadParameter(
            "use 1 to 63 lower-case letters, digits and inner hyphens, without aws, amazon or cognito",
            param_hint="'--domain-prefix'",
        )
    return prefix


def _test_user(email: str | None, password: str | None) -> tuple[str, str] | None:
    """The test user's email and password: from --password (warned about), the environment, or a prompt."""
    if password is not None:
        click.echo(f"warning: --password shows the password in the process list and the shell's history; "
                   f"set {PASSWORD_ENV_VAR} or answer the prompt instead", err=True)
    if not email:
        if password:
            raise click.UsageError("--password goes with --user.")
        return None
    password = password or os.environ.get(PASSWORD_ENV_VAR) or click.prompt(
        f"Password of test user {email}", hide_input=True, confirmation_prompt=True)
    return email, password


def _app_base_url(value: str) -> str:
    """APP_BASE_URL by config.py's rule: https, or http on a loopback host, which Cognito allows too."""
    value = value.strip() or "http://localhost:5000"
    parts = urlsplit(value)
    if (parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment
            or any(character.isspace() or character in "'\"#\\" for character in value)):
        raise click.ClickException(f"APP_BASE_URL={value!r} must be an absolute URL such as https://app.example.com")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise click.ClickException(f"APP_BASE_URL={value!r} uses plain http: Cognito accepts http callback URLs "
                                   "only for localhost; use https")
    return value.rstrip("/")


def _check_writable(env_file: Path, force: bool) -> None:
    """Before anything is created: a run that cannot write its .env should not change the account."""
    if env_file.exists() and not force:
        raise click.ClickException(f"{env_file} exists: pass --force to replace it, or --env-file to write "
                                   "another file; nothing was changed")
    if not env_file.parent.is_dir():
        raise click.ClickException(f"{env_file.parent} is not a folder; nothing was changed")
