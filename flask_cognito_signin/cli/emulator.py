"""`flask cognito emulator`: the local Cognito emulator, set up for this app, until Ctrl-C.

Nothing to configure first: it works for an app with no sign-in settings yet. It takes the
app's APP_BASE_URL (or --app-url) and CognitoSignIn's url_prefix, registers the callback and
sign-out URLs they make with the app client of its pool, checks that the app's settings are
valid with the emulator's, and prints those settings and the test users; --write-env writes
the settings into a .env, which `flask run` reads when python-dotenv is installed.
"""

from __future__ import annotations

import errno
import logging
import secrets
import signal
import socket
import threading
from collections import ChainMap
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

from ..settings import DISCOVERY_SUFFIX, ConfigError, Settings
from ..state import EXTENSION_KEY, Unconfigured
from . import emulated_pool, envfile

if TYPE_CHECKING:
    from devidp import AppClient, PoolConfig, RunningServer, User

#: Settings that point the app at another provider: with them the emulator's would clash or be ignored.
ELSEWHERE = ("COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_DOMAIN", "OIDC_PROVIDERS_FILE")
_ENV_HEADING = "The local Cognito emulator (flask cognito emulator); point these at a real user pool to deploy."


@click.command("emulator")
@click.option("--app-url", metavar="URL", help="Where the app is served  [default: its APP_BASE_URL, else "
                                                "http://localhost:5000]")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the emulator listens on.")
@click.option("--port", type=click.IntRange(0, 65535), default=9229, show_default=True,
              help="Port of the pool's issuer: discovery, signing keys and the admin API (0: any free port).")
@click.option("--domain-port", type=click.IntRange(0, 65535), default=9230, show_default=True,
              help="Port of the pool's domain: the hosted UI and /oauth2/* (0: any free port).")
@click.option("--write-env", is_flag=True, help="Write the settings into the env file; its other lines are kept.")
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path), default=Path(".env"), show_default=True,
              help="The file --write-env writes.")
def emulator(app_url: str | None, host: str, port: int, domain_port: int, write_env: bool, env_file: Path) -> None:
    """Run a local Cognito emulator for this app, with an app client and test users, until Ctrl-C.

    The app client is registered for APP_BASE_URL followed by CognitoSignIn's url_prefix and
    /oauth/v2/callback, and for the sign-out URL APP_BASE_URL/. The pool (users, app client)
    is kept in the app's instance folder, cognito-emulator/pool.toml, so a restart keeps it,
    users added with `python -m devidp admin` included.
    """
    app = current_app._get_current_object()
    path = emulated_pool.pool_file(app.instance_path)
    existing = _existing_pool(path)
    client = existing.default_client if existing else None
    new_secret_key = None if app.config.get("SECRET_KEY") else secrets.token_hex(32)
    planned = _planned_settings(host, port, existing.pool_id if existing else emulated_pool.POOL_ID, client,
                                app_url, new_secret_key)
    settings = _settings_with(app, planned)
    pool, changed = _pool_for(path, settings)
    _refuse_busy(host, port, "the emulator's issuer", "--port")
    _refuse_busy(host, domain_port, "the emulator's hosted UI", "--domain-port")
    if changed:
        _save(pool, path)
    running = _start(pool, host, port, domain_port, path)
    try:
        values = _values(running, pool, settings, new_secret_key)
        aside: list[str] = []
        if write_env:
            values, aside = _write_env(env_file, values)
        stopped = _stop_on_ctrl_c()
        _report(running, pool, settings, values, env_file if write_env else None, aside, app)
        stopped.wait()
    finally:
        running.stop()
    click.echo("The emulator stopped.")


def _existing_pool(path: Path) -> PoolConfig | None:
    from devidp import ConfigError as PoolFileError
    from devidp import load_config

    if not path.exists():
        return None
    try:
        return load_config(path)
    except PoolFileError as error:
        raise click.ClickException(f"{error}\nFix the file, or delete it to start with a new pool.") from error


def _planned_settings(host: str, port: int, pool_id: str, client: AppClient | None, app_url: str | None,
                      new_secret_key: str | None) -> dict[str, str]:
    """The settings the emulator will give the app, for checking them before it starts: with --port 0 the port,
    and in a new pool the client's ID and secret, are not known yet, but any make the same check. The
    settings that point elsewhere are emptied."""
    values = {name: "" for name in ELSEWHERE}
    values["OIDC_DISCOVERY_URL"] = f"http://{_url_host(host)}:{port or 9229}/{pool_id}{DISCOVERY_SUFFIX}"
    values["OIDC_CLIENT_ID"] = client.client_id if client else "to-be-drawn"
    values["OIDC_CLIENT_SECRET"] = client.client_secret if client else "to-be-drawn"
    if app_url is not None:
        values["APP_BASE_URL"] = app_url
    if new_secret_key:
        values["SECRET_KEY"] = new_secret_key
    return values


def _settings_with(app: Flask, values: dict[str, str]) -> Settings:
    """The app's settings with the emulator's in place of its provider's, by CognitoSignIn's own rules."""
    state = app.extensions[EXTENSION_KEY]
    options = state if isinstance(state, Unconfigured) else state.settings
    source = state.settings_from if isinstance(state, Unconfigured) else "in app.config"
    try:
        return Settings.from_mapping(ChainMap(values, app.config), app.instance_path, url_prefix=options.url_prefix,
                                     api_prefix=options.api_prefix, source=source)
    except ConfigError as error:
        raise click.ClickException(f"the app's settings are not valid, even with the emulator's:\n{error}") from error


def _pool_for(path: Path, settings: Settings) -> tuple[PoolConfig, bool]:
    from devidp import ConfigError as PoolFileError

    try:
        return emulated_pool.for_app(path, settings.redirect_uri, settings.sign_out_uri)
    except PoolFileError as error:
        hint = ""
        if urlsplit(settings.app_base_url).scheme == "http":
            hint = f"\nServe the app as http://localhost:{urlsplit(settings.app_base_url).port or 80} (--app-url)."
        raise click.ClickException(f"the emulator cannot register this app's URLs: {error}{hint}") from error


def _save(pool: PoolConfig, path: Path) -> None:
    try:
        emulated_pool.save(pool, path)
    except OSError as error:
        raise click.ClickException(f"{path} cannot be written: {error.strerror or error}") from error


def _refuse_busy(host: str, port: int, what: str, option: str) -> None:
    """Before starting anything: a port already in use is named, with the option that moves it."""
    if port == 0:
        return
    try:
        socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET).close()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} ({what}) is in use: stop what listens there, or choose "
                                       f"another port with {option}.") from error
        raise click.ClickException(f"the emulator cannot listen on {host}:{port}: {error.strerror or error}") from error


def _start(pool: PoolConfig, host: str, port: int, domain_port: int, path: Path) -> RunningServer:
    from devidp import start_server
    from devidp.keys import KeyFileError

    # The emulator's log says who signed in and why a request was refused; request lines would show state and nonce.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return start_server(pool, host=host, port=port, domain_port=domain_port, instance_path=path.parent,
                            on_users_changed=emulated_pool.saver(path))
    except (KeyFileError, OSError) as error:
        raise click.ClickException(f"the emulator did not start: {error}") from error


def _values(running: RunningServer, pool: PoolConfig, settings: Settings, new_secret_key: str | None) -> dict[str, str]:
    """The settings that point the app at the running emulator, in the order they are shown."""
    client = pool.default_client
    values = {"SECRET_KEY": new_secret_key} if new_secret_key else {}
    values.update(OIDC_DISCOVERY_URL=running.discovery_url, OIDC_CLIENT_ID=client.client_id,
                  OIDC_CLIENT_SECRET=client.client_secret, APP_BASE_URL=settings.app_base_url)
    return values


def _write_env(env_file: Path, values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Write `values` into the env file; the values written, and the names set aside there.

    A SECRET_KEY the file has is kept: a new one would sign everyone out.
    """
    try:
        text = env_file.read_text() if env_file.exists() else ""
        if "SECRET_KEY" in envfile.assigned(text):
            values = {name: value for name, value in values.items() if name != "SECRET_KEY"}
        updated, aside = envfile.update(text, values, ELSEWHERE, _ENV_HEADING)
        envfile.write(env_file, updated, force=True)
    except OSError as error:
        raise click.ClickException(f"{env_file} not written ({error.strerror or error})") from error
    return values, aside


def _report(running: RunningServer, pool: PoolConfig, settings: Settings, values: dict[str, str],
            env_file: Path | None, aside: list[str], app: Flask) -> None:
    click.echo("The local Cognito emulator is running for this app (not Amazon Cognito: nothing leaves this machine).")
    click.echo(f"  discovery:            {running.discovery_url}")
    click.echo(f"  hosted UI:            {running.domain_url}/login (reached through the app's sign-in)")
    click.echo(f"  callback URL:         {settings.redirect_uri}")
    click.echo(f"  sign-out URL:         {settings.sign_out_uri}")
    click.echo(f"  pool file:            {emulated_pool.pool_file(app.instance_path)}")
    click.echo("")
    if env_file:
        click.echo(f"Wrote the app's settings into {env_file} (mode 0600):")
    else:
        click.echo("The app's settings (paste them into its configuration, or run again with --write-env):")
    for name, value in values.items():
        click.echo(f"  {name}=(a new random key)" if name == "SECRET_KEY" and env_file else f"  {name}={value}")
    for name in aside:
        click.echo(f"  {name} commented out: it points at another user pool")
    for name in (name for name in ELSEWHERE if app.config.get(name) and name not in aside):
        click.echo(f"  note: the app also has {name}, which points at another user pool: unset it while you use "
                   "the emulator")
    click.echo("")
    click.echo("Test users (python -m devidp admin --url " + running.issuer_base_url + " list / add / ... changes them):")
    for user in pool.users:
        if not user.is_federated:
            click.echo(f"  {_describe(user, pool)}")
    click.echo("")
    click.echo(f"Serve the app ({_run_command(settings)}) and sign in at {settings.app_base_url}"
               f"{settings.url_prefix}/login")
    click.echo("Press Ctrl-C to stop.")


def _describe(user: User, pool: PoolConfig) -> str:
    """The user as the sign-in page asks for it (the email in pools that sign in with it), with its password."""
    sign_in_names = (user.email if attribute == "email" else user.attributes.get(attribute)
                     for attribute in pool.username_attributes)
    name = next((value for value in sign_in_names if value), user.username)
    details = [f"groups: {', '.join(user.groups)}" if user.groups else "no groups"]
    if not user.enabled:
        details.append("disabled")
    if user.status == "FORCE_CHANGE_PASSWORD":
        details.append("chooses a new password at sign-in")
    if user.totp_secret:
        details.append("asked for a TOTP code")
    return f"{name}  password {user.password}  ({'; '.join(details)})"


def _run_command(settings: Settings) -> str:
    """How to serve the app at APP_BASE_URL: `flask --app NAME run --port N`."""
    info = click.get_current_context().find_object(ScriptInfo)
    app_option = f" --app {info.app_import_path}" if info and info.app_import_path else ""
    port = urlsplit(settings.app_base_url).port
    port_option = f" --port {port}" if port and port != 5000 else ""
    return f"flask{app_option} run{port_option}"


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"  # a wildcard bind is reached through loopback, as devidp's URLs are
    return f"[{host}]" if ":" in host else host


def _stop_on_ctrl_c() -> threading.Event:
    """An event that Ctrl-C (SIGINT) or SIGTERM sets, installed before "Press Ctrl-C" is printed."""
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    return stopped
