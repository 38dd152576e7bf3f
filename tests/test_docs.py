"""The documentation (mkdocs.yml, docs/) builds with every warning an error, as `make docs` builds it.

A broken link or anchor, a page left out of the nav, or a docstring's cross-reference to a name
that does not exist fails the build, and so `make test`. The API reference is read from the
docstrings, so it also names every public name of the package.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import flask_cognito_signin
from tests.support.tools import require_module

ROOT = Path(__file__).resolve().parent.parent
_INSTALL = "pip install -r requirements-dev.txt (the docs group of pyproject.toml)"


def build(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_documentation_builds_with_warnings_as_errors(tmp_path):
    require_module("mkdocs", _INSTALL)
    require_module("mkdocstrings_handlers.python", _INSTALL)
    built = build(tmp_path / "site")
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stdout}{built.stderr}"
    reference = (tmp_path / "site" / "api" / "index.html").read_text()
    documented = set(re.findall(r'id="flask_cognito_signin\.(\w+)"', reference))
    public = {name for name in flask_cognito_signin.__all__ if not name.startswith("__")}  # not __version__
    assert public <= documented, "docs/api.md leaves out a public name"


@pytest.mark.parametrize("page", ["docs/settings.md", "README.md"])
def test_every_setting_is_on_the_settings_pages(page):
    """config.SETTINGS is kept in step with the extension's settings (tests/test_config.py); the pages with both."""
    from config import SETTINGS

    text = (ROOT / page).read_text()
    missing = [name for name in SETTINGS if f"`{name}`" not in text]
    assert not missing, f"{page} does not name: {', '.join(missing)}"


def test_the_readmes_links_into_the_docs_lead_somewhere():
    """mkdocs checks the links between pages; the front page is not one of them."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", readme)
    assert targets, "README.md links to no docs page"
    assert [target for target in targets if not (ROOT / target).is_file()] == []
