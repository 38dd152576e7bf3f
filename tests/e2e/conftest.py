"""End-to-end fixtures: real servers as separate processes on free loopback ports, and headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright's Python package (never a
downloaded browser). Each test gets a fresh browser context, so cookies never leak between
tests; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.processes import free_port, start, stop, wait_for_port
from tests.support.installs import copy_checkout, outside_env
from tests.support.tools import missing, require_tool

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


def pool_toml(rp_url: str) -> str:
    """The demo pool of devidp/pool.toml, with the app client registered for this test's app URL."""
    text = (ROOT / "devidp" / "pool.toml").read_text()
    return (text.replace("http://localhost:5000/oauth/v2/callback", f"{rp_url}/oauth/v2/callback")
                .replace('"http://localhost:5000/"', f'"{rp_url}/"'))


@dataclass
class EmulatorServer(Server):
    """The emulator: `url` is the pool's domain (hosted UI, /oauth2/*), `issuer_base_url` the cognito-idp origin."""

    issuer_base_url: str = ""


#: Users who must answer a challenge after the password (for test_emulator_challenges.py):
#: an administrator-created one with a temporary password, and one with TOTP MFA.
CHALLENGE_USERS_TOML = """
[[users]]
username = "newbie"
password = "TempPass1!"
status = "FORCE_CHANGE_PASSWORD"

[[users]]
username = "otpuser"
password = "OtpUserPass1!"
totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"""


def start_emulator(tmp: Path, rp_url: str, extra_pool_toml: str = "") -> EmulatorServer:
    """`extra_pool_toml` is appended to the demo pool (more [[users]], say)."""
    return serve_pool(tmp, pool_toml(rp_url) + extra_pool_toml)


def serve_pool(folder: Path, pool_file: str) -> EmulatorServer:
    """`python -m devidp` serving the pool file's text, with its file, log and instance in `folder`."""
    issuer_port, domain_port = free_port(), free_port()
    config = folder / "pool.toml"
    config.write_text(pool_file)
    log = folder / "devidp.log"
    process = start([sys.executable, "-m", "devidp", "--port", str(issuer_port), "--domain-port", str(domain_port),
                     "--config", str(config), "--instance-path", str(folder / "devidp-instance")], issuer_port, log)
    try:
        wait_for_port(domain_port, process=process)
    except RuntimeError:
        stop(process)
        raise
    return EmulatorServer(f"http://127.0.0.1:{domain_port}", process, log, issuer_base_url=f"http://127.0.0.1:{issuer_port}")


def start_rp(tmp: Path, port: int, env: dict[str, str], name: str = "rp", host: str = "127.0.0.1") -> Server:
    """The app on 127.0.0.1:port, reached as http://{host}:port (localhost for Cognito's http rule)."""
    url = f"http://{host}:{port}"
    rp_env = {
        "SECRET_KEY": "e2e-secret-key-" + "x" * 40,
        "APP_BASE_URL": url,
        "SESSION_STORE_URL": f"sqlite:///{tmp / (name + '-sessions.db')}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        **env,
    }
    log = tmp / f"{name}.log"
    process = start([sys.executable, "-m", "gunicorn", "wsgi:app"], port, log, rp_env)
    return Server(url, process, log)


def emulator_env(emulator: EmulatorServer) -> dict[str, str]:
    return {
        "OIDC_DISCOVERY_URL": f"{emulator.issuer_base_url}/us-east-1_DevPool01/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": "8ohtby26b3atnvdl6izvl1ewju",
        "OIDC_CLIENT_SECRET": "8pdomh2uwxuezs4huzdogii0z08zsxnwtv4ipkxxec4mn0rq4en",
    }


OP_DIR = ROOT / "tests" / "e2e" / "oidc_provider"
OP_CLIENT_ID, OP_CLIENT_SECRET = "e2e-relying-party", "e2e-relying-party-secret-" + "s" * 20


def start_oidc_provider(tmp: Path, rp_url: str) -> Server:
    """panva's oidc-provider (OpenID Certified), from tests/e2e/oidc_provider, for the app at rp_url."""
    node = require_tool("node", "apt-get install nodejs")
    if not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        require_tool(str(OP_DIR / "node_modules" / ".bin" / "missing"), f"run npm ci in {OP_DIR}")
    port = free_port()
    log = tmp / "oidc-provider.log"
    process = start([node, str(OP_DIR / "server.mjs")], port, log, {
        "PORT": str(port),
        "CLIENT_ID": OP_CLIENT_ID,
        "CLIENT_SECRET": OP_CLIENT_SECRET,
        "REDIRECT_URI": f"{rp_url}/oauth/v2/callback",
        "POST_LOGOUT_REDIRECT_URI": f"{rp_url}/",
    })
    return Server(f"http://127.0.0.1:{port}", process, log)


def oidc_provider_env(op: Server) -> dict[str, str]:
    return {
        "OIDC_DISCOVERY_URL": f"{op.url}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": OP_CLIENT_ID,
        "OIDC_CLIENT_SECRET": OP_CLIENT_SECRET,
        "OIDC_LOGOUT_STYLE": "oidc",
    }


@contextmanager
def idp_and_rp(tmp: Path, start_idp, env_for, rp_host: str = "127.0.0.1") -> Iterator[tuple[Server, Server]]:
    """An identity provider started for the app's URL, then the app configured by env_for(idp); both stopped after."""
    rp_port = free_port()
    idp = start_idp(tmp, f"http://{rp_host}:{rp_port}")
    try:
        rp = start_rp(tmp, rp_port, env_for(idp), host=rp_host)
        try:
            yield idp, rp
        finally:
            stop(rp.process)
    finally:
        stop(idp.process)


@pytest.fixture
def emulator_and_rp(tmp_path) -> Iterator[tuple[Server, Server]]:
    # Cognito, and so the emulator, accepts plain http callback URLs only on http://localhost.
    with idp_and_rp(tmp_path, start_emulator, emulator_env, rp_host="localhost") as servers:
        yield servers


@pytest.fixture
def op_and_rp(tmp_path) -> Iterator[tuple[Server, Server]]:
    with idp_and_rp(tmp_path, start_oidc_provider, oidc_provider_env) as servers:
        yield servers


@pytest.fixture(scope="session")
def browser():
    require_tool(CHROMIUM, "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def loopback_only(route) -> None:
    """Keep the browser on this machine: the OP's stock pages import a web font from the internet."""
    if route.request.url.startswith(("http://127.0.0.1", "http://localhost")):
        route.continue_()
    else:
        route.abort()


@contextmanager
def new_page(browser) -> Iterator:
    """A page in a browser context of its own (its own cookies), kept on loopback."""
    context = browser.new_context()
    context.route("**/*", loopback_only)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with new_page(browser) as page:
        yield page


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: The fixed ports of `make run` with the emulator (scripts/run_local.py and devidp/pool.toml).
MAKE_RUN_PORTS = {5000: "the app", 9229: "the emulator's issuer", 9230: "the emulator's hosted UI"}


@dataclass
class MadeByMakeRun:
    """`make run` in a fresh copy of the checkout: the app (`rp`), the emulator's hosted UI, and the venv it made."""

    checkout: Path
    rp: Server
    emulator_url: str

    @property
    def python(self) -> Path:
        return self.checkout / ".venv" / "bin" / "python"


@pytest.fixture(scope="session")
def made_by_make_run(tmp_path_factory) -> Iterator[MadeByMakeRun]:
    """`make run` as a new user types it, in a copy of the checkout with no venv: it makes its own from
    requirements.txt, starts the emulator and the app, and serves until stopped like Ctrl-C stops it."""
    busy = [f"{port} ({what})" for port, what in MAKE_RUN_PORTS.items() if not _port_is_free(port)]
    if busy:
        missing(f"make run needs ports {', '.join(busy)}: stop what serves there (a `make run` of yours?)")
    make = require_tool("make", "apt-get install make")
    work = tmp_path_factory.mktemp("make-run")
    checkout = copy_checkout(work / "checkout")
    log = work / "make-run.log"
    with log.open("ab") as output:
        process = subprocess.Popen([make, "run"], cwd=checkout, env=outside_env(), stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:  # the first run installs the runtime lock into .venv before anything listens
            wait_for_port(5000, timeout=600, process=process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n--- make run ---\n{log.read_text()[-5000:]}") from None
        yield MadeByMakeRun(checkout, Server("http://localhost:5000", process, log), "http://127.0.0.1:9230")
    finally:
        _interrupt_group(process)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _interrupt_group(process: subprocess.Popen) -> None:
    """Ctrl-C as a terminal sends it: to make and everything it started; killed if still there after 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
