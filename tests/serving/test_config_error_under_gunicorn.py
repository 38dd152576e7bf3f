"""What a host's own factory under gunicorn (`gunicorn 'shop:create_app()'`) prints when a setting is missing.

ConfigError is a RuntimeError, which gunicorn prints as "Error: <message>" when loading the app in
its master fails (`--preload`): the message, no traceback, exit status 1. Without `--preload`
each worker loads the app and gunicorn logs the worker's traceback before its own "Worker failed
to boot." (docs/security.md says so, and recommends `--preload`); the message is there too.
"""

from __future__ import annotations

import os
import subprocess
import sys

from scripts.processes import ROOT, free_port

SHOP = '''
from flask import Flask
from flask_cognito_signin import CognitoSignIn


def create_app():
    app = Flask(__name__)
    app.config.update(OIDC_DISCOVERY_URL="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Shop1"
                                         "/.well-known/openid-configuration",
                      OIDC_CLIENT_ID="shop", OIDC_CLIENT_SECRET="shop-secret")  # no SECRET_KEY
    CognitoSignIn(app)
    return app
'''


def gunicorn(tmp_path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "shop.py").write_text(SHOP)
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("GUNICORN_", "SECRET_KEY"))}
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-k", "sync", "-w", "1",
               "-b", f"127.0.0.1:{free_port()}", *options, "shop:create_app()"]
    return subprocess.run(command, cwd=tmp_path, env={**environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=60, check=False)


def test_with_preload_gunicorn_prints_the_message_and_no_traceback(tmp_path):
    result = gunicorn(tmp_path, "--preload")
    assert result.returncode == 1, result.stderr
    assert "Error: Sign in with Cognito is not configured correctly:\n- SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_without_preload_gunicorn_stops_with_the_message_after_the_workers_traceback(tmp_path):
    result = gunicorn(tmp_path)
    assert result.returncode == 3, result.stderr  # gunicorn's "worker failed to boot": it stops, no restart loop
    assert "- SECRET_KEY is not set" in result.stderr and "Worker failed to boot." in result.stderr
