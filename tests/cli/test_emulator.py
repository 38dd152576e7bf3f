"""`flask cognito emulator`: a local emulator set up for the app at hand, its settings printed or written into .env.

The runs that serve are real `flask` processes, stopped with Ctrl-C's signal; the refusals run in
this process through the Flask command group. Each printed setting set is then tried: an app
configured with it signs the printed test user in through the running emulator.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from dotenv import dotenv_values
from flask import Flask
from flask.cli import FlaskGroup

from devidp.driver import submit_login
from flask_cognito_signin import CognitoSignIn
from flask_cognito_signin.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: The module of "their app": settings from the environment (and so from .env), as the quick start's shop.
THEIR_APP = """import os
from flask import Flask
from flask_cognito_signin import CognitoSignIn

NAMES = ("SECRET_KEY", "OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "APP_BASE_URL",
         "COGNITO_REGION", "COGNITO_USER_POOL_ID")
app = Flask(__name__)
app.config.update({{name: os.environ[name] for name in NAMES if name in os.environ}})
CognitoSignIn(app, url_prefix={url_prefix!r})
"""
SETTING = re.compile(r"^  ([A-Z_]+)=(\S+)$", re.MULTILINE)
SHOWN = {"SECRET_KEY", "OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "APP_BASE_URL"}


@dataclass
class Emulating:
    """A running `flask cognito emulator`: what it printed before "Press Ctrl-C to stop."."""

    process: subprocess.Popen
    output: str

    def settings(self) -> dict[str, str]:
        return dict(SETTING.findall(self.output))

    def stop(self) -> str:
        """Ctrl-C; the rest of its output."""
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=20)
        assert self.process.returncode == 0, rest
        return rest


@pytest.fixture
def their_app(tmp_path: Path) -> Callable[[str], Path]:
    """A folder holding their_app.py with CognitoSignIn(app, url_prefix=...), and nothing configured."""

    def write(url_prefix: str = "") -> Path:
        (tmp_path / "their_app.py").write_text(THEIR_APP.format(url_prefix=url_prefix))
        return tmp_path

    return write


@pytest.fixture
def emulate() -> Iterator[Callable[..., Emulating]]:
    """Start `flask --app their_app cognito emulator --port 0 --domain-port 0 ARGS` in a folder; stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(folder: Path, *args: str) -> Emulating:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for name in SHOWN | {"COGNITO_REGION", "COGNITO_USER_POOL_ID", "FLASK_APP"}:
            env.pop(name, None)
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "their_app", "cognito", "emulator", "--port", "0",
             "--domain-port", "0", *args], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        started.append(process)
        return Emulating(process, _output_until(process, "Press Ctrl-C to stop."))

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _output_until(process: subprocess.Popen, last_line: str, timeout: float = 30) -> str:
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in iter(process.stdout.readline, ""):
            lines.put(line)
            if line.strip() == last_line:
                break
        else:
            lines.put(None)  # it exited

    threading.Thread(target=read, daemon=True).start()
    output = ""
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no {last_line!r} within {timeout} s:\n{output}")
        if line is None:
            pytest.fail(f"the command exited with {process.wait()}:\n{output}")
        output += line
        if line.strip() == last_line:
            return output


def signs_in(settings: dict[str, str], username: str, password: str, instance: Path, url_prefix: str = "") -> bool:
    """Whether an app configured with `settings` signs `username` in through the running emulator."""
    app = Flask("configured", instance_path=str(instance))
    app.config.update(settings, SESSION_STORE_URL=f"sqlite:///{instance}/sessions.db")
    CognitoSignIn(app, url_prefix=url_prefix)
    client = app.test_client()
    base_url = settings["APP_BASE_URL"]  # the app's /login moves to it otherwise
    login = client.get(f"{url_prefix}/login", base_url=base_url)
    assert login.status_code == 302, login.get_data(as_text=True)
    with requests.Session() as browser:
        callback = urlsplit(submit_login(browser, browser.get(login.headers["Location"], timeout=10), username,
                                         password))
    assert f"{callback.scheme}://{callback.netloc}" == base_url
    answer = client.get(callback.path, query_string=callback.query, base_url=base_url)
    return answer.status_code == 302 and client.get_cookie("cognito_session") is not None


@pytest.mark.parametrize("url_prefix", ["", "/auth"], ids=["no-prefix", "url-prefix"])
def test_an_app_with_no_settings_gets_them_and_the_test_users_sign_in(their_app, emulate, tmp_path, url_prefix):
    running = emulate(their_app(url_prefix))
    settings = running.settings()
    assert set(settings) == SHOWN, running.output
    assert settings["APP_BASE_URL"] == "http://localhost:5000"
    callback = f"http://localhost:5000{url_prefix}/oauth/v2/callback"
    assert f"callback URL:         {callback}\n" in running.output
    assert f"sign in at http://localhost:5000{url_prefix}/login" in running.output
    assert "  test-user  password Test-Password-1  (groups: admins)\n" in running.output
    assert "  test-guest  password Guest-Password-1  (no groups)\n" in running.output
    pool_file = tmp_path / "instance" / "cognito-emulator" / "pool.toml"
    assert f'callback_urls = ["{callback}"]' in pool_file.read_text()
    assert stat.S_IMODE(pool_file.stat().st_mode) == 0o600  # it holds the passwords and the client secret

    assert signs_in(settings, "test-user", "Test-Password-1", tmp_path / "app-instance", url_prefix)
    log = running.stop()
    assert "POST /login: test-user signed in" in log and "The emulator stopped." in log
    assert "state=" not in log and "nonce=" not in log  # no request lines: they carry the sign-in's state


def test_write_env_sets_the_settings_keeps_the_rest_and_sets_aside_another_pool(their_app, emulate, tmp_path):
    folder = their_app()
    secret_key = "their-own-secret-key-" + "k" * 40
    env_file = folder / ".env"
    env_file.write_text(f"# theirs\nFLASK_DEBUG=1\nSECRET_KEY={secret_key}\nCOGNITO_REGION=eu-west-1\n"
                        "COGNITO_USER_POOL_ID=eu-west-1_Real1\nOIDC_CLIENT_ID=the-real-pools-client\n")
    running = emulate(folder, "--write-env", "--app-url", "http://localhost:8000")
    assert "Wrote the app's settings into .env (mode 0600):" in running.output
    assert "COGNITO_REGION commented out: it points at another user pool" in running.output
    assert "(flask --app their_app run --port 8000)" in running.output

    written = dotenv_values(env_file)
    assert written["SECRET_KEY"] == secret_key and written["FLASK_DEBUG"] == "1"  # kept
    assert "COGNITO_REGION" not in written and "COGNITO_USER_POOL_ID" not in written
    assert "# set aside by flask cognito emulator: COGNITO_REGION=eu-west-1" in env_file.read_text()
    assert {name: written[name] for name in SHOWN - {"SECRET_KEY"}} == {
        name: value for name, value in running.settings().items() if name != "SECRET_KEY"}
    assert written["APP_BASE_URL"] == "http://localhost:8000"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    Settings.from_mapping(written, tmp_path)  # the .env alone is a valid configuration
    assert signs_in(dict(written), "test-user", "Test-Password-1", tmp_path / "app-instance")
    running.stop()


def test_a_new_secret_key_goes_into_a_new_env_file_unprinted(their_app, emulate):
    folder = their_app()
    running = emulate(folder, "--write-env")
    written = dotenv_values(folder / ".env")
    assert len(written["SECRET_KEY"]) == 64 and written["SECRET_KEY"] not in running.output
    assert "  SECRET_KEY=(a new random key)\n" in running.output
    running.stop()


def test_a_restart_keeps_the_app_client_and_the_users_the_admin_api_added(their_app, emulate):
    folder = their_app()
    first = emulate(folder)
    issuer = re.search(r"admin --url (\S+) ", first.output).group(1)
    added = requests.post(f"{issuer}/_admin/users", json={"username": "alice", "password": "Alice-Pass-1"}, timeout=10)
    assert added.status_code == 201, added.text
    first.stop()

    second = emulate(folder)
    assert {name: second.settings()[name] for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")} == {
        name: first.settings()[name] for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")}
    assert "  alice  password Alice-Pass-1  (no groups)\n" in second.output
    assert signs_in(second.settings(), "alice", "Alice-Pass-1", folder / "app-instance")
    second.stop()


def test_a_pool_file_edited_by_hand_is_served_with_the_apps_urls_added(their_app, emulate):
    folder = their_app("/auth")
    pool_file = folder / "instance" / "cognito-emulator" / "pool.toml"
    pool_file.parent.mkdir(parents=True)
    pool_file.write_text("""pool_id = "eu-west-1_Edited1"
username_attributes = ["email"]

[[users]]
email = "ana@example.com"
password = "Ana-Password-1"
groups = ["admins"]
status = "FORCE_CHANGE_PASSWORD"

[[users]]
email = "bo@example.com"
password = "Bo-Password-1"
enabled = false
totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

[[clients]]
client_id = "editedclient"
client_secret = "edited-client-secret"
callback_urls = ["https://shop.example.com/oauth/v2/callback"]
logout_urls = ["https://shop.example.com/"]
""")
    running = emulate(folder)
    assert running.settings()["OIDC_CLIENT_ID"] == "editedclient"
    assert "/eu-west-1_Edited1/.well-known/openid-configuration" in running.settings()["OIDC_DISCOVERY_URL"]
    assert "  ana@example.com  password Ana-Password-1  (groups: admins; chooses a new password at sign-in)\n" \
        in running.output
    assert "  bo@example.com  password Bo-Password-1  (no groups; disabled; asked for a TOTP code)\n" in running.output
    running.stop()
    saved = tomllib.loads(pool_file.read_text())["clients"][0]
    assert saved["callback_urls"] == ["https://shop.example.com/oauth/v2/callback",
                                      "http://localhost:5000/auth/oauth/v2/callback"]
    assert saved["logout_urls"] == ["https://shop.example.com/", "http://localhost:5000/"]


def test_a_pool_file_that_breaks_a_rule_is_named_with_the_rule(tmp_path):
    pool_file = tmp_path / "instance" / "cognito-emulator" / "pool.toml"
    pool_file.parent.mkdir(parents=True)
    pool_file.write_text('pool_id = "nope"\n')
    result = run_command(tmp_path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"{pool_file}: pool_id: 'nope' is not a user pool id" in result.output
    assert "Fix the file, or delete it to start with a new pool." in result.output


# Refusals: in this process, nothing started ---------------------------------------------------------------------------

def run_command(tmp_path: Path, *args: str, **config: str):
    """`flask cognito emulator ARGS` for an app with `config`; the result, with the output."""

    def create_app() -> Flask:
        app = Flask("their_app", instance_path=str(tmp_path / "instance"))
        app.config.update(config)
        CognitoSignIn(app)
        return app

    group = FlaskGroup(create_app=create_app, load_dotenv=False)
    return CliRunner().invoke(group, ["cognito", "emulator", *args])


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.mark.parametrize(("option", "what"), [("--port", "the emulator's issuer"),
                                              ("--domain-port", "the emulator's hosted UI")])
def test_a_busy_port_is_refused_with_the_option_that_moves_it(tmp_path, busy_port, option, what):
    other = "--domain-port" if option == "--port" else "--port"
    result = run_command(tmp_path, option, str(busy_port), other, "0")
    assert result.exit_code == 1, result.output
    assert f"Error: port {busy_port} ({what}) is in use: stop what listens there, or choose another port with " \
           f"{option}." in result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a ClickException: no traceback
    assert not (tmp_path / "instance" / "cognito-emulator").exists()  # refused before anything was written


@pytest.mark.parametrize(("args", "config", "message"), [
    pytest.param(("--app-url", "http://127.0.0.1:5000"), {},
                 "callback_urls[0]: 'http://127.0.0.1:5000/oauth/v2/callback' must use https (Cognito accepts plain "
                 "http only for http://localhost)\nServe the app as http://localhost:5000 (--app-url).", id="http-ip"),
    pytest.param((), {"APP_BASE_URL": "http://shop.example.com"},
                 "APP_BASE_URL='http://shop.example.com' uses plain http", id="http-host"),
    pytest.param((), {"SECRET_KEY": "short"}, "SECRET_KEY is too short (5 characters)", id="short-secret-key"),
    pytest.param(("--host", "0.0.0.0"), {}, None, id="wildcard-host-is-reached-through-loopback"),
])
def test_settings_the_emulator_cannot_serve_are_refused_with_the_rule(tmp_path, args, config, message, busy_port):
    result = run_command(tmp_path, *args, "--port", str(busy_port), "--domain-port", "0", **config)
    assert result.exit_code == 1, result.output
    if message is None:  # valid: it got as far as the ports
        assert f"port {busy_port}" in result.output
    else:
        assert message in result.output
        assert isinstance(result.exception, SystemExit), result.exception
