"""Issue 12's proof: someone else's Flask app, from scratch, with flask-cognito-signin installed as users do.

A fresh virtual environment gets a real (non-editable) `pip install` of the checkout, so a
module or a template missing from the distribution fails here. The host app `shop` and its
pytest test are the code blocks of docs/quickstart.md, read between marker comments, so the
page cannot drift from what is proven. Everything runs
from a temporary folder with the venv's own interpreter: nothing is imported from the
checkout. A browser signs in to the shop through the installed emulator and out again, and
the shop's own 404 page and Content-Security-Policy stay the shop's.
"""

from __future__ import annotations

import re
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
    run,
    serve,
)

pytestmark = pytest.mark.e2e

QUICK_START = "docs/quickstart.md"
#: What the quick start's shop answers on its own, left alone by the extension.
SHOP_404_TEXT = "Nothing on the shelf here."
SHOP_CSP = "default-src 'self'"
#: The headers the extension puts on its own responses only (flask_cognito_signin/web/headers.py).
EXTENSION_HEADERS = ("X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options")
#: The distribution's packages: every file of theirs in the checkout must be installed.
PACKAGES = ("flask_cognito_signin", "devidp")
SHOPPER, SHOPPER_PASSWORD = "shopper", "Shopper-Pass-1"
POOL_ID = "us-east-1_ShopPool1"
CLIENT_ID, CLIENT_SECRET = "shopclient0000000000000001", "shop-client-secret-" + "0" * 33


@dataclass
class Installed:
    python: Path
    folder: Path  # the shop's folder: shop.py, and nothing of the checkout
    source: Path  # the copy of the checkout that pip installed
    site_packages: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """A fresh venv with `pip install <checkout>` and pytest, and the quick start's shop.py in a folder of its own.

    pip builds from a copy of the checkout: setuptools writes build/ and *.egg-info into the
    folder it builds, and a stale build/lib there could hide a file the package data misses.
    pip's cache is used as usual, so only the first run downloads the dependencies.
    """
    work = tmp_path_factory.mktemp("foreign-host")
    source = copy_checkout(work / "checkout")
    venv = work / "venv"
    python = fresh_venv(venv)
    run([python, "-m", "pip", "install", "--quiet", source, "pytest"], work, "pip install of the checkout")
    folder = work / "shop"
    folder.mkdir()
    (folder / "shop.py").write_text(doc_block(QUICK_START, "shop.py"))
    located = run([python, "-c", "import devidp, flask_cognito_signin as f; print(f.__file__); print(devidp.__file__)"],
                  folder, "importing the installed packages")
    packages = {Path(path).parent for path in located.stdout.split()}
    assert {package.name for package in packages} == set(PACKAGES), located.stdout
    site_packages = {package.parent for package in packages}.pop()
    assert site_packages.is_relative_to(venv), f"imported from {site_packages}, not from the fresh venv"
    return Installed(python, folder, source, site_packages)


def package_files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for package in PACKAGES for path in (root / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def test_the_installed_packages_hold_every_file_of_the_checkout(installed):
    """Modules, templates, stylesheets and the demo pool.toml: a file the package data misses is named here."""
    missing_files = package_files(installed.source) - package_files(installed.site_packages)
    assert not missing_files, f"not installed by pip install (pyproject.toml's package data): {sorted(missing_files)}"


@dataclass
class Running:
    shop_url: str
    login_url: re.Pattern[str]  # the emulator's hosted-UI sign-in page


def pool_toml(shop_url: str) -> str:
    """One user and one app client, registered for the shop's callback and sign-out URLs."""
    return f"""pool_id = "{POOL_ID}"

[[users]]
username = "{SHOPPER}"
password = "{SHOPPER_PASSWORD}"
email = "shopper@example.com"
email_verified = true

[[clients]]
name = "shop"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
callback_urls = ["{shop_url}/oauth/v2/callback"]
logout_urls = ["{shop_url}/"]
allowed_scopes = ["openid", "email", "profile"]
allowed_oauth_flows = ["code"]
"""


@pytest.fixture(scope="module")
def running(installed, tmp_path_factory) -> Iterator[Running]:
    """The installed emulator and `flask --app shop run` on free ports; the shop is reached as localhost (Cognito's
    http rule)."""
    work = tmp_path_factory.mktemp("foreign-host-servers")
    shop_port, issuer_port, domain_port = free_port(), free_port(), free_port()
    shop_url = f"http://localhost:{shop_port}"
    (work / "pool.toml").write_text(pool_toml(shop_url))
    emulator = serve([installed.python, "-m", "devidp", "--port", str(issuer_port), "--domain-port", str(domain_port),
                      "--config", work / "pool.toml", "--instance-path", work / "devidp-instance"],
                     work, domain_port, work / "devidp.log")
    try:
        wait_for_port(issuer_port, process=emulator)
        shop = serve([installed.python, "-m", "flask", "--app", "shop", "run", "--host", "127.0.0.1",
                      "--port", str(shop_port)], installed.folder, shop_port, work / "shop.log",
                     SECRET_KEY="foreign-host-secret-key-" + "x" * 32,
                     OIDC_DISCOVERY_URL=f"http://127.0.0.1:{issuer_port}/{POOL_ID}/.well-known/openid-configuration",
                     OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET, APP_BASE_URL=shop_url)
        try:
            yield Running(shop_url, re.compile(re.escape(f"http://127.0.0.1:{domain_port}") + r"/login\?"))
        finally:
            stop(shop)
    finally:
        stop(emulator)


def assert_the_shops_own_headers(response) -> None:
    headers = response.headers  # Playwright gives header names in lower case
    assert headers.get("content-security-policy") == SHOP_CSP, f"{response.url}: {headers}"
    assert not [name for name in EXTENSION_HEADERS if name.lower() in headers], f"{response.url}: {headers}"


def test_a_browser_signs_in_to_the_shop_and_out_again(page, running):
    shop_pages = []

    def keep_the_shops_pages(response) -> None:
        if response.url in (running.shop_url + "/", running.shop_url + "/orders") and response.status == 200:
            shop_pages.append(response)

    page.on("response", keep_the_shops_pages)

    page.goto(running.shop_url + "/orders")
    page.wait_for_url(running.login_url)
    sign_in_at_the_hosted_ui(page, SHOPPER, SHOPPER_PASSWORD)

    page.wait_for_url(running.shop_url + "/orders")
    expect(page.get_by_role("heading")).to_have_text(f"Orders of {SHOPPER}")
    screenshot(page, "foreign-host-signed-in")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(running.shop_url + "/")
    expect(page.locator("body")).to_have_text("Welcome to the shop.")

    page.goto(running.shop_url + "/orders")
    page.wait_for_url(running.login_url)
    expect(page.get_by_label("Password")).to_be_visible()
    assert [response.url for response in shop_pages] == [running.shop_url + "/orders", running.shop_url + "/"]
    for response in shop_pages:
        assert_the_shops_own_headers(response)


@pytest.mark.parametrize("path", ["/no-such-page", "/api/no-such-thing"])
def test_the_shops_404_page_and_headers_are_its_own(page, running, path):
    response = page.goto(running.shop_url + path)
    assert response.status == 404
    expect(page.locator("body")).to_have_text(SHOP_404_TEXT)
    assert_the_shops_own_headers(response)


def test_the_quick_starts_fixture_example_passes_in_the_fresh_venv(installed):
    """The cognito_emulator fixture comes from the installed package's pytest11 entry point: no conftest, no -p."""
    test_shop = doc_block(QUICK_START, "test_shop.py")
    (installed.folder / "test_shop.py").write_text(test_shop)
    result = run([installed.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"],
                 installed.folder, "the quick start's pytest example")
    assert re.search(rf"\b{count_tests(test_shop)} passed\b", result.stdout), result.stdout


def test_the_extensions_own_pages_come_from_the_installed_package(page, running):
    """Its error page and stylesheet are package data, and its strict headers stay on its own responses."""
    stylesheets = []
    page.on("response", lambda response: stylesheets.append(response) if response.url.endswith(".css") else None)
    response = page.goto(running.shop_url + "/oauth/v2/callback?code=forged")  # no state: InvalidCallback
    assert response.status == 400
    expect(page.get_by_role("heading")).to_have_text("Sign-in link not valid")
    expect(page.locator("main.cognito-signin")).to_be_visible()
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-frame-options"] == "DENY"
    assert [(sheet.url, sheet.status) for sheet in stylesheets] == [
        (running.shop_url + "/cognito-signin/static/cognito_signin.css", 200)]
