"""Issue 21's proof: a newcomer's path from `pip install` to a user signed in to their own app, as docs/quickstart.md
tells it, using only the names the docs give.

A fresh virtual environment gets `pip install <checkout> python-dotenv pytest` (step 1) and the
page's shop.py (step 2). `flask --app shop cognito emulator --write-env` runs as a process of its
own (step 3); the shop is served with the command it prints, reading the .env it wrote; Chromium
opens the shop, lands on the emulator's sign-in page and signs in as the test user it printed
(step 4); the page's test_shop.py, with the fixture and the expiry helper, passes with that
venv's pytest (step 5). The emulator and the shop get free ports (--port, --domain-port,
--app-url), so that the test runs beside a developer's own emulator on 9229.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scripts.processes import free_port, stop, wait_for_port
from tests.e2e.conftest import screenshot
from tests.e2e.test_emulator_browser import sign_in_at_the_hosted_ui
from tests.support.installs import (
    copy_checkout,
    count_tests,
    doc_block,
    fresh_venv,
    outside_env,
    run,
)

pytestmark = pytest.mark.e2e

QUICK_START = "docs/quickstart.md"
#: The settings the shop reads from its environment: none may come from the developer's own.
SHOP_SETTINGS = ("SECRET_KEY", "OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "APP_BASE_URL")
READY = "Press Ctrl-C to stop."


@dataclass
class Newcomer:
    bin: Path  # the venv's scripts: flask, pytest
    folder: Path  # the shop's folder, where the commands run


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory) -> Newcomer:
    work = tmp_path_factory.mktemp("newcomer")
    python = fresh_venv(work / "venv")
    run([python, "-m", "pip", "install", "--quiet", copy_checkout(work / "checkout"), "python-dotenv", "pytest"], work,
        "step 1, pip install")
    folder = work / "shop"
    folder.mkdir()
    (folder / "shop.py").write_text(doc_block(QUICK_START, "shop.py"))
    return Newcomer(python.parent, folder)


def clean_env() -> dict[str, str]:
    """The environment of the newcomer's terminal: nothing of the checkout's, none of the shop's settings."""
    return {name: value for name, value in outside_env().items() if name not in SHOP_SETTINGS}


def start(command: list[str | Path], folder: Path, log: Path) -> subprocess.Popen:
    """A command typed in the newcomer's terminal, in the shop's folder, its output in `log`."""
    with log.open("ab") as output:
        return subprocess.Popen([str(part) for part in command], cwd=folder, env=clean_env(), stdout=output,
                                stderr=subprocess.STDOUT)


def wait_for_line(process: subprocess.Popen, log: Path, line: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if line in text:
            return text
        if process.poll() is not None:
            pytest.fail(f"the emulator exited with {process.returncode}:\n{text}")
        time.sleep(0.1)
    pytest.fail(f"no {line!r} within {timeout:.0f} s:\n{log.read_text()}")


@dataclass
class Running:
    output: str  # what `flask cognito emulator` printed
    shop_url: str
    login_page: re.Pattern[str]  # the emulator's sign-in page
    username: str
    password: str


@pytest.fixture(scope="module")
def running(newcomer, tmp_path_factory) -> Iterator[Running]:
    logs = tmp_path_factory.mktemp("newcomer-logs")
    issuer_port, domain_port, shop_port = free_port(), free_port(), free_port()
    shop_url = f"http://localhost:{shop_port}"
    log = logs / "emulator.log"
    emulator = start([newcomer.bin / "flask", "--app", "shop", "cognito", "emulator", "--write-env", "--port",
                      str(issuer_port), "--domain-port", str(domain_port), "--app-url", shop_url], newcomer.folder, log)
    try:
        printed = wait_for_line(emulator, log, READY)
        username, password = re.search(r"^  (test-user)  password (\S+) ", printed, re.MULTILINE).groups()
        serve_command = re.search(r"^Serve the app \((flask [^)]+)\)", printed, re.MULTILINE).group(1)
        assert serve_command == f"flask --app shop run --port {shop_port}", printed
        shop = start([newcomer.bin / "flask", *serve_command.split()[1:]], newcomer.folder, logs / "shop.log")
        try:
            wait_for_port(shop_port, timeout=60, process=shop)
            yield Running(printed, shop_url, re.compile(re.escape(f"http://127.0.0.1:{domain_port}/login?")),
                          username, password)
        finally:
            stop(shop)
    finally:
        emulator.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            emulator.wait(20)
        except subprocess.TimeoutExpired:
            stop(emulator)


def test_the_emulator_wrote_the_settings_the_shop_reads(newcomer, running):
    written = (newcomer.folder / ".env").read_text()
    for name in SHOP_SETTINGS:
        assert re.search(rf"^{name}=\S+$", written, re.MULTILINE), written
    assert f"APP_BASE_URL={running.shop_url}\n" in written
    assert f"callback URL:         {running.shop_url}/oauth/v2/callback\n" in running.output


def test_a_browser_signs_in_as_the_printed_test_user(page, running):
    page.goto(running.shop_url + "/orders")
    page.wait_for_url(running.login_page)
    sign_in_at_the_hosted_ui(page, running.username, running.password)

    page.wait_for_url(running.shop_url + "/orders")
    expect(page.get_by_role("heading")).to_have_text(f"Orders of {running.username}")
    screenshot(page, "newcomer-signed-in")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(running.shop_url + "/")
    page.goto(running.shop_url + "/orders")
    page.wait_for_url(running.login_page)


def test_the_quick_starts_test_passes_with_the_fixture_and_the_expiry_helper(newcomer):
    test_shop = doc_block(QUICK_START, "test_shop.py")
    assert "expire_tokens(client)" in test_shop
    (newcomer.folder / "test_shop.py").write_text(test_shop)
    result = run([newcomer.bin / "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"], newcomer.folder,
                 "step 5, pytest")
    assert re.search(rf"\b{count_tests(test_shop)} passed\b", result.stdout), result.stdout
