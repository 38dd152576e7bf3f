"""`make run`: serve the relying party under gunicorn, with the local Cognito emulator when no provider is set.

With an OIDC_* / COGNITO_* provider in the environment or `.env`, only the app runs, on the
port of APP_BASE_URL. Without one, the emulator (devidp) starts with the demo pool in
devidp/pool.toml on two origins as Cognito (issuer on 127.0.0.1:9229, hosted UI on :9230), the app is pointed at it with the pool's client ID and
secret, and the URL to open and the demo credentials are printed. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
EMULATOR_PORT = 9229  # the issuer origin (Cognito's cognito-idp host)
EMULATOR_DOMAIN_PORT = 9230  # the pool's domain: hosted UI and /oauth2/*
PROVIDER_VARIABLES = ("OIDC_DISCOVERY_URL", "COGNITO_USER_POOL_ID", "OIDC_PROVIDERS_FILE")


def main() -> int:
    env = {**{k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None}, **os.environ}
    children: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if any(env.get(name) for name in PROVIDER_VARIABLES):
            base_url = env.get("APP_BASE_URL", "http://localhost:5000").rstrip("/")
            print(f"Using the identity provider configured in .env / the environment; open {base_url}/", flush=True)
            children.append(_start_app(env, base_url))
        else:
            base_url, username, password = _start_with_emulator(env, children)
            print(
                "\nSign in with Cognito is running against the local Cognito emulator (no AWS account needed).\n"
                f"Open this URL: {base_url}/\n"
                "Sign in with the demo user:\n"
                f"username: {username}\n"
                f"password: {password}\n"
                "Press Ctrl-C to stop.\n",
                flush=True,
            )
        return _wait(children)
    except (KeyboardInterrupt, SystemExit):
        return 0
    except RuntimeError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 1
    finally:
        for child in children:
            _stop(child)


def _start_with_emulator(env: dict[str, str], children: list[subprocess.Popen]) -> tuple[str, str, str]:
    sys.path.insert(0, str(ROOT))
    from devidp import load_config  # the launcher, not the app, knows the emulator

    pool = load_config(env.get("DEVIDP_CONFIG"))
    client, user = pool.default_client, pool.default_user
    callback = urlsplit(client.callback_urls[0])
    base_url = f"{callback.scheme}://{callback.netloc}"
    _require_free_port(EMULATOR_PORT, "the local Cognito emulator's issuer")
    _require_free_port(EMULATOR_DOMAIN_PORT, "the local Cognito emulator's hosted UI")
    children.append(subprocess.Popen([sys.executable, "-m", "devidp", "--port", str(EMULATOR_PORT),
                                      "--domain-port", str(EMULATOR_DOMAIN_PORT)], cwd=ROOT))
    issuer = f"http://127.0.0.1:{EMULATOR_PORT}/{pool.pool_id}"
    _wait_for_url(f"{issuer}/.well-known/openid-configuration", children[-1])
    env.update(
        OIDC_DISCOVERY_URL=f"{issuer}/.well-known/openid-configuration",
        OIDC_CLIENT_ID=client.client_id,
        OIDC_CLIENT_SECRET=client.client_secret,
        APP_BASE_URL=base_url,
        SECRET_KEY=env.get("SECRET_KEY") or _local_secret_key(),
    )
    children.append(_start_app(env, base_url))
    return base_url, user.username, user.password


def _start_app(env: dict[str, str], base_url: str) -> subprocess.Popen:
    port = urlsplit(base_url).port or 80
    _require_free_port(port, "the app")
    gunicorn_env = {**env, "BIND": env.get("BIND", f"127.0.0.1:{port}"), "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "2")}
    app = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=gunicorn_env)
    _wait_for_url(f"http://127.0.0.1:{port}/healthz", app)
    return app


def _local_secret_key() -> str:
    """A random key kept in the instance folder, so local sessions survive a restart."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _require_free_port(port: int, what: str) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port}, needed by {what}, is already in use: stop what runs there first.")


def _wait_for_url(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(map(str, process.args))} exited with code {process.returncode}.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s.")


def _wait(children: list[subprocess.Popen]) -> int:
    """Run until one child stops (or Ctrl-C); its exit code is ours."""
    while True:
        for child in children:
            if child.poll() is not None:
                return child.returncode
        time.sleep(0.5)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    sys.exit(main())
