"""The distribution at both ends of what it declares: `pip install .` at the newest versions its ranges allow,
and at the lowest (uv's `--resolution lowest-direct`), each in a bare venv.

In each, the extension's tests run against the installed package (a folder with the example host
and the tests, but not the packages, so `import flask_cognito_signin` finds site-packages), and
so does the quick start's fixture example (docs/quickstart.md). A floor in pyproject.toml that
no longer works fails here; the fix is to raise it, never to leave it stale.
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.installs import ROOT, copy_checkout, count_tests, doc_block, fresh_venv, run
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e

EXTRAS = "redis,aws,metrics,flask-login"
#: What the tests need beside the distribution, with the ranges pyproject.toml's groups declare
#: (gunicorn for its gevent extra: the SQLite store's tests under gevent).
TEST_TOOLS = ("pytest", "responses", "python-dotenv", "gunicorn")
#: The extension's tests (the example host's pages, the protocol core, the stores, the extension's options).
EXTENSION_TESTS = ("tests/extension", "tests/oidc", "tests/sessions", "tests/web")
#: The example host and the tests, without the packages under test.
HOST_AND_TESTS = ("app", "templates", "static", "tests", "scripts", "config.py", "pyproject.toml")


def declared(name: str) -> str:
    """`name` with the range of pyproject.toml's dependency groups."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    found = [spec for specs in groups.values() for spec in specs
             if isinstance(spec, str) and re.match(rf"{re.escape(name)}(\[[\w,-]+\])?[<>=!~ ]", spec)]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


@dataclass
class Distribution:
    python: Path
    versions: dict[str, str]


@pytest.fixture(scope="module", params=["newest", "lowest"])
def distribution(request, tmp_path_factory) -> Distribution:
    work = tmp_path_factory.mktemp(f"distribution-{request.param}")
    source = copy_checkout(work / "checkout")
    python = fresh_venv(work / "venv")
    wanted = [f"{source}[{EXTRAS}]", *map(declared, TEST_TOOLS)]
    if request.param == "newest":
        run([python, "-m", "pip", "install", "--quiet", *wanted], work, "pip install at the newest versions")
    else:
        uv = require_tool(str(Path(sys.executable).parent / "uv"), "pip install -r requirements-dev.txt")
        # --system-certs: the machine's trust store, as pip uses it (a TLS-inspecting proxy's CA may be in it)
        run([uv, "pip", "install", "--quiet", "--system-certs", "--python", python, "--resolution", "lowest-direct",
             *wanted], work, "uv pip install --resolution lowest-direct")
    listed = run([python, "-m", "pip", "list", "--format=freeze"], work, "pip list").stdout
    return Distribution(python, dict(line.split("==", 1) for line in listed.split() if "==" in line))


def test_the_extensions_tests_pass_against_the_installed_package(distribution, tmp_path):
    folder = tmp_path / "host"
    folder.mkdir()
    for name in HOST_AND_TESTS:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, folder / name)
    shutil.rmtree(folder / "tests" / "e2e")
    located = run([distribution.python, "-c", "import flask_cognito_signin; print(flask_cognito_signin.__file__)"],
                  folder, "importing the installed package")
    assert "site-packages" in located.stdout, located.stdout
    result = run([distribution.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not e2e",
                  *EXTENSION_TESTS], folder, f"the extension's tests with {sorted(distribution.versions.items())}")
    assert re.search(r"\b\d+ passed\b", result.stdout) and " failed" not in result.stdout, result.stdout[-2000:]


def test_the_quick_starts_fixture_example_passes(distribution, tmp_path):
    test_shop = doc_block("docs/quickstart.md", "test_shop.py")
    (tmp_path / "shop.py").write_text(doc_block("docs/quickstart.md", "shop.py"))
    (tmp_path / "test_shop.py").write_text(test_shop)
    result = run([distribution.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"], tmp_path,
                 "the quick start's pytest example")
    assert re.search(rf"\b{count_tests(test_shop)} passed\b", result.stdout), result.stdout
