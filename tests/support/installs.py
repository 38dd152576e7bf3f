"""Installs as users make them: fresh venvs and copies of the checkout, run with nothing pointing back here.

Shared by the tests that prove an install works from outside the test venv: the distribution
in a foreign host (tests/e2e/test_foreign_host.py), on a newcomer's path through the quick start
(tests/e2e/test_newcomer.py), at its newest and lowest versions, and the example host as
`make run` and a production image install it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.processes import stop, wait_for_port
from tests.support.tools import missing

ROOT = Path(__file__).resolve().parents[2]
#: What a source checkout holds; build output, caches, venvs and a developer's .env are not copied.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__",
                                    "instance", "test-artifacts", ".pytest_cache", "htmlcov", ".coverage*", ".env")


def doc_block(document: str, name: str) -> str:
    """The code block of `document` (a path from the checkout's root: docs/quickstart.md) between
    `<!-- name -->` and `<!-- /name -->`: what the page shows is what the tests run."""
    text = (ROOT / document).read_text()
    found = re.search(rf"<!-- {re.escape(name)} -->\s*```\w*\n(.*?)```\s*<!-- /{re.escape(name)} -->", text, re.DOTALL)
    assert found, f"{document} has no code block between <!-- {name} --> and <!-- /{name} -->"
    return found.group(1)


def count_tests(code: str) -> int:
    """How many tests a pytest module's code defines at its top level."""
    return len(re.findall(r"^def test_", code, re.MULTILINE))


def outside_env(**settings: str) -> dict[str, str]:
    """This process's environment minus what would point Python or pytest back at the checkout or its plugins."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not name.startswith(("PYTEST_", "COV_CORE_"))}
    return {**env, **settings}


def run(command: list[str | Path], cwd: Path, what: str, timeout: float = 600, **settings: str) -> subprocess.CompletedProcess:
    """`command` run to its end in `cwd`; the test fails with its output when it fails."""
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=outside_env(**settings), capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def copy_checkout(to: Path) -> Path:
    """A copy of the checkout's source at `to`, as a clean clone has it (uncommitted changes included)."""
    shutil.copytree(ROOT, to, ignore=NOT_SOURCE)
    return to


def fresh_venv(path: Path) -> Path:
    """A new virtual environment with nothing but pip; its interpreter."""
    made = subprocess.run([sys.executable, "-m", "venv", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        missing(f"python -m venv cannot make a virtual environment: apt-get install python3-venv "
                f"({made.stderr[-300:]})")
    return path / "bin" / "python"


def serve(command: list[str | Path], cwd: Path, port: int, log: Path, timeout: float = 60,
          **settings: str) -> subprocess.Popen:
    """A server started in `cwd`, not in the checkout as scripts.processes.start does: `-m` puts the
    working directory first on sys.path, and the installed packages are what is under test."""
    with log.open("ab") as output:
        process = subprocess.Popen([str(part) for part in command], cwd=cwd, env=outside_env(**settings),
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=timeout, process=process)
    except RuntimeError as error:
        stop(process)
        raise RuntimeError(f"{error}\n--- {log.name} ---\n{log.read_text()}") from None
    return process
