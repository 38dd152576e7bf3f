"""End-to-end fixtures: real servers as separate processes on free loopback ports, and headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright's Python package (never a
downloaded browser). Each test gets a fresh browser context, so cookies never leak between
tests; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import free_port, require_tool, stop, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
#: Without these, Chromium keeps calling Google's services, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
DEMO_USER, DEMO_PASSWORD = "demo", "DemoPass1!"


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def start_process(command: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=60, process=process)
    except RuntimeError as error:
        stop(process)
        raise RuntimeError(f"{error}\n{log.read_text()}") from None
    return process


def pool_toml(rp_url: str) -> str:
    """The demo pool of devidp/pool.toml, with the app client registered for this test's app URL."""
    text = (ROOT / "devidp" / "pool.toml").read_text()
    return (text.replace("http://127.0.0.1:5000/oauth/v2/callback", f"{rp_url}/oauth/v2/callback")
                .replace('"http://127.0.0.1:5000/"', f'"{rp_url}/"'))


def start_emulator(tmp: Path, rp_url: str) -> Server:
    port = free_port()
    config = tmp / "pool.toml"
    config.write_text(pool_toml(rp_url))
    log = tmp / "devidp.log"
    process = start_process([sys.executable, "-m", "devidp", "--port", str(port), "--config", str(config),
                             "--instance-path", str(tmp / "devidp-instance")], port, log)
    return Server(f"http://127.0.0.1:{port}", process, log)


def start_rp(tmp: Path, port: int, env: dict[str, str], name: str = "rp") -> Server:
    url = f"http://127.0.0.1:{port}"
    rp_env = {
        "SECRET_KEY": "e2e-secret-key-" + "x" * 40,
        "APP_BASE_URL": url,
        "SESSION_STORE_URL": f"sqlite:///{tmp / (name + '-sessions.db')}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        **env,
    }
    log = tmp / f"{name}.log"
    process = start_process([sys.executable, "-m", "gunicorn", "wsgi:app"], port, log, rp_env)
    return Server(url, process, log)


def emulator_env(emulator: Server) -> dict[str, str]:
    return {
        "OIDC_DISCOVERY_URL": f"{emulator.url}/us-east-1_DevPool01/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": "8ohtby26b3atnvdl6izvl1ewju",
        "OIDC_CLIENT_SECRET": "8pdomh2uwxuezs4huzdogii0z08zsxnwtv4ipkxxec4mn0rq4en",
    }


@pytest.fixture
def emulator_and_rp(tmp_path) -> Iterator[tuple[Server, Server]]:
    rp_port = free_port()
    emulator = start_emulator(tmp_path, f"http://127.0.0.1:{rp_port}")
    try:
        rp = start_rp(tmp_path, rp_port, emulator_env(emulator))
    except Exception:
        stop(emulator.process)
        raise
    yield emulator, rp
    stop(rp.process)
    stop(emulator.process)


@pytest.fixture(scope="session")
def browser():
    require_tool(CHROMIUM, "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
