"""The callback's code and state never reach an access log: not Werkzeug's (`flask run`), not gunicorn's default one.

Both servers log the request line, query string included. Each test serves a host app on
loopback with the real server, sends the callback the way a provider's redirect does, and reads
what was logged: the line is there, with the callback's path, and the values are not.
"""

from __future__ import annotations

import logging
import sys
import threading
import urllib.error
import urllib.request

import pytest
from flask import Flask
from werkzeug.serving import make_server

from flask_cognito_signin import CognitoSignIn
from flask_cognito_signin.web.access_log import CallbackQueryRedactor, redact_query
from scripts.processes import ROOT, free_port, start, stop

CODE, STATE = "c0de-" + "a" * 30, "st4te-" + "b" * 30
QUERY = f"code={CODE}&state={STATE}&iss=https://issuer.example"
LOGGED = "?code=[redacted]&state=[redacted]&iss=https://issuer.example"


def get(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=10).close()
    except urllib.error.HTTPError as answer:  # the callback refuses a sign-in this browser never started
        answer.close()


@pytest.mark.parametrize("url_prefix", [pytest.param("", id="no-prefix"), pytest.param("/auth", id="url-prefix")])
def test_werkzeugs_access_log_has_the_callback_without_its_code_and_state(environ, tmp_path, caplog, url_prefix):
    app = Flask("shop", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(environ)
    CognitoSignIn(app, url_prefix=url_prefix)
    server = make_server("127.0.0.1", 0, app)  # the server and request handler of `flask run`
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        thread.start()
        try:
            get(f"http://127.0.0.1:{server.port}{url_prefix}/oauth/v2/callback?{QUERY}")
        finally:
            server.shutdown()
            thread.join(10)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(f"GET {url_prefix}/oauth/v2/callback{LOGGED} HTTP/1.1" in line for line in lines), lines
    assert CODE not in caplog.text and STATE not in caplog.text  # nor in any other record of the request


SHOP = '''
import os

from flask import Flask
from flask_cognito_signin import CognitoSignIn

SETTINGS = ("SECRET_KEY", "OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "APP_BASE_URL",
            "SESSION_STORE_URL")


def create_app():
    app = Flask(__name__)
    app.config.update({name: os.environ[name] for name in SETTINGS})
    CognitoSignIn(app, url_prefix="/auth")
    return app
'''


def test_gunicorns_default_access_log_has_the_callback_without_its_code_and_state(environ, tmp_path):
    (tmp_path / "shop.py").write_text(SHOP)
    (tmp_path / "gunicorn.conf.py").write_text("")  # not the example host's
    port, log = free_port(), tmp_path / "gunicorn.log"
    process = start([sys.executable, "-m", "gunicorn", "-c", str(tmp_path / "gunicorn.conf.py"), "--chdir", str(tmp_path),
                     "--no-control-socket", "-k", "sync", "-w", "1", "-b", f"127.0.0.1:{port}",
                     "--access-logfile", "-", "shop:create_app()"],
                    port, log, {**environ, "PYTHONPATH": str(ROOT)})
    try:
        get(f"http://127.0.0.1:{port}/auth/oauth/v2/callback?{QUERY}")
    finally:
        stop(process)
    logged = log.read_text()
    assert f'"GET /auth/oauth/v2/callback{LOGGED} HTTP/1.1"' in logged, logged
    assert CODE not in logged and STATE not in logged


@pytest.mark.parametrize(("query", "redacted"), [
    pytest.param("state=s&code=c", "state=[redacted]&code=[redacted]", id="any-order"),
    pytest.param("%63ode=c&st%61te=s", "%63ode=[redacted]&st%61te=[redacted]", id="encoded-names"),
    pytest.param("code&state=", "code=[redacted]&state=[redacted]", id="no-values"),
    pytest.param("error=access_denied&error_description=User+cancelled", "error=access_denied&"
                 "error_description=User+cancelled", id="errors-kept"),
])
def test_the_query_keeps_everything_but_the_secret_values(query, redacted):
    assert redact_query(query) == redacted


def test_only_the_callback_paths_are_touched():
    redactor = CallbackQueryRedactor()
    redactor.callback_paths.add("/oauth/v2/callback")
    assert redactor.redact_line("GET /search?state=CA HTTP/1.1") == "GET /search?state=CA HTTP/1.1"
    assert redactor.redact_line("GET http://shop.example/mounted/oauth/v2/callback?code=c HTTP/1.1") == (
        "GET http://shop.example/mounted/oauth/v2/callback?code=[redacted] HTTP/1.1")
