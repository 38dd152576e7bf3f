"""Real HTTP: the in-process server helper and ``python -m devidp``."""

from __future__ import annotations

import logging
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import devidp
from devidp import start_server
from devidp.server import redact_secret_parameters

REPO_ROOT = Path(devidp.__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_start_server_serves_a_full_sign_in(pool, instance_dir):
    client = pool.default_client
    with start_server(pool, instance_path=instance_dir) as idp:
        assert idp.issuer_base_url == f"http://127.0.0.1:{idp.port}"
        assert idp.domain_url == f"http://127.0.0.1:{idp.domain_port}"
        assert idp.port != idp.domain_port
        assert idp.issuer == f"{idp.issuer_base_url}/us-east-1_DevPool01"
        doc = requests.get(idp.discovery_url, timeout=5).json()
        assert doc["issuer"] == idp.issuer
        assert doc["token_endpoint"] == f"{idp.domain_url}/oauth2/token"
        browser = requests.Session()
        authorize = browser.get(
            doc["authorization_endpoint"],
            params={
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": client.callback_urls[0],
                "scope": "openid email",
                "state": "live",
            },
            timeout=5,
        )
        assert authorize.status_code == 200  # followed to the sign-in page
        page = authorize.text
        action = re.search(r'action="([^"]+)"', page).group(1).replace("&amp;", "&")
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        signed = browser.post(
            action,
            data={"csrf_token": csrf, "username": "demo", "password": "DemoPass1!"},
            allow_redirects=False,
            timeout=5,
        )
        answer = parse_qs(urlsplit(signed.headers["Location"]).query)
        assert answer["state"] == ["live"]
        tokens = requests.post(
            doc["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": answer["code"][0],
                "redirect_uri": client.callback_urls[0],
            },
            auth=(client.client_id, client.client_secret),
            timeout=5,
        ).json()
        userinfo = requests.get(
            doc["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=5,
        )
        assert userinfo.json()["email_verified"] == "true"
        ports = (idp.port, idp.domain_port)
    for port in ports:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_the_token_endpoint_on_the_issuer_origin_is_404_as_on_aws(pool, instance_dir):
    """Cognito developer guide, "The token endpoint": it is on the pool's domain only."""
    with start_server(pool, instance_path=instance_dir) as idp:
        assert requests.post(f"{idp.issuer_base_url}/oauth2/token", timeout=5).status_code == 404
        assert requests.get(f"{idp.issuer_base_url}/logout", timeout=5).status_code == 404
        assert requests.get(idp.discovery_url.replace(idp.issuer_base_url, idp.domain_url),
                            timeout=5).status_code == 404


def test_start_server_honours_explicit_origins(pool, instance_dir):
    with start_server(
        pool,
        issuer_base_url="http://localhost:1234",
        domain_url="http://localhost:1235",
        instance_path=instance_dir,
    ) as idp:
        local = f"http://127.0.0.1:{idp.port}/us-east-1_DevPool01/.well-known/openid-configuration"
        doc = requests.get(local, timeout=5).json()
        assert doc["issuer"] == "http://localhost:1234/us-east-1_DevPool01"
        assert doc["authorization_endpoint"] == "http://localhost:1235/oauth2/authorize"


def test_stop_is_idempotent(pool, instance_dir):
    """Stopping twice is harmless, and after the first stop both ports are closed."""
    idp = start_server(pool, instance_path=instance_dir)
    ports = (idp.port, idp.domain_port)
    idp.stop()
    idp.stop()
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _run_module(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DEVIDP_CONFIG"}
    return subprocess.Popen(
        [sys.executable, "-m", "devidp", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _first_line(proc: subprocess.Popen[str], timeout: float = 20) -> str:
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        proc.kill()
        pytest.fail("python -m devidp printed nothing: " + proc.communicate()[1])
    return proc.stdout.readline().strip()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_module_starts_answers_and_stops_on_signal(tmp_path, signum):
    port, domain_port = _free_port(), _free_port()
    proc = _run_module(
        "--port", str(port), "--domain-port", str(domain_port), "--instance-path", str(tmp_path)
    )
    try:
        line = _first_line(proc)
        discovery = f"http://127.0.0.1:{port}/us-east-1_DevPool01/.well-known/openid-configuration"
        assert line == f"devidp: discovery at {discovery}"
        doc = requests.get(discovery, timeout=5).json()
        assert doc["issuer"] == f"http://127.0.0.1:{port}/us-east-1_DevPool01"
        assert doc["authorization_endpoint"] == f"http://127.0.0.1:{domain_port}/oauth2/authorize"
        assert (tmp_path / "devidp" / "signing-keys.json").exists()
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "devidp: stopped" in stdout
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ('pool_id = "nope"\n', "pool_id"),
        (
            (REPO_ROOT / "devidp" / "pool.toml").read_text().replace("http://localhost:5000/o", "http://10.0.0.5/o"),
            "clients[0].callback_urls[0]: 'http://10.0.0.5/oauth/v2/callback' must use https",
        ),
    ],
)
def test_module_reports_a_bad_config(tmp_path, text, rule):
    """Start-up errors name the rule broken (here Cognito's https-except-localhost)."""
    bad = tmp_path / "pool.toml"
    bad.write_text(text)
    proc = _run_module(
        "--config", str(bad), "--port", str(_free_port()), "--domain-port", str(_free_port())
    )
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert stderr.startswith(f"devidp: error: {bad}: {rule}")
    assert "Traceback" not in stderr


@pytest.mark.parametrize("flag", ["--port", "--domain-port"])
def test_module_reports_a_busy_port(tmp_path, flag):
    other = "--domain-port" if flag == "--port" else "--port"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _run_module(
            flag, str(port), other, str(_free_port()), "--instance-path", str(tmp_path)
        )
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert stderr.startswith("devidp: error:")
    assert "in use" in stderr


def test_the_request_log_keeps_codes_state_and_nonce_out(pool, instance_dir, caplog):
    client = pool.default_client
    with caplog.at_level(logging.INFO, logger="werkzeug"), \
            start_server(pool, instance_path=instance_dir, log_requests=True) as idp:
        requests.get(f"{idp.domain_url}/oauth2/authorize", params={
            "response_type": "code", "client_id": client.client_id, "redirect_uri": client.callback_urls[0],
            "scope": "openid", "state": "state-secret", "nonce": "nonce-secret", "code_challenge": "challenge-secret",
            "code_challenge_method": "S256"}, allow_redirects=False, timeout=5)
        requests.get(f"{idp.domain_url}/oauth2/idpresponse?code=code-secret&state=state-secret", timeout=5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    authorize = next(line for line in lines if "/oauth2/authorize?" in line)
    assert f"client_id={client.client_id}" in authorize and "code_challenge_method=S256" in authorize
    assert "state=[redacted]" in authorize and "nonce=[redacted]" in authorize
    assert any("/oauth2/idpresponse?code=[redacted]&state=[redacted]" in line for line in lines)
    assert not [line for line in lines if "-secret" in line]


@pytest.mark.parametrize("target, logged", [
    ("/logout", "/logout"),
    ("/a?state=s&state=t&x=1", "/a?state=[redacted]&state=[redacted]&x=1"),
    ("/a?st%61te=s&flag", "/a?st%61te=[redacted]&flag"),
    ("/a?code", "/a?code=[redacted]"),
])
def test_redaction_replaces_only_secret_values(target, logged):
    assert redact_secret_parameters(target) == logged
