"""Fixtures of the CLI tests: a moto server standing in for Cognito's API, AWS settings that point at it, the
local emulator (the plugin's cognito_emulator), the CLI.

No test here reaches AWS: every test starts without any AWS setting of the developer's
(profile, keys, config files), and only the `aws` fixture gives boto3 an endpoint and
credentials, those of the moto server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import requests
from botocore.client import BaseClient
from click.testing import CliRunner, Result
from flask.cli import FlaskGroup

from app import create_app
from flask_cognito_signin.pytest_plugin import cognito_emulator, cognito_pool  # noqa: F401 (see tests/extension)
from tests.support.tools import require_module

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def no_aws_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing of the developer's AWS set-up, and no waiting for EC2 instance metadata that is not there."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port for the whole run (a missing moto: see tests.support.tools)."""
    require_module("moto", "pip install -r requirements-dev.txt")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the moto server did not start on {endpoint}")
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def unused_endpoint() -> str:
    """An http URL on loopback where nothing answers."""
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> BaseClient:
    """boto3 pointed at a freshly reset moto server with fake credentials; the client is for the test's own checks."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=5).raise_for_status()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return boto3.client("cognito-idp")


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Runs `flask <args>` as the flask command does: the app is built inside the command, from `environ`;
    `input` is what the terminal types at prompts."""

    def run(environ: dict[str, str], *args: str, input: str | None = None) -> Result:
        group = FlaskGroup(create_app=lambda: create_app(environ), load_dotenv=False)
        return CliRunner().invoke(group, list(args), input=input, catch_exceptions=False)

    return run
