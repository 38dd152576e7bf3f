"""Tools the tests need (a redis-server, Chromium, moto): skipped locally when missing, failed under CI.

Under CI a skip would hide a missing install step, so CI set to "true" in any case
(GitHub Actions says `true`, other systems `True`) turns every missing tool into a failure.
Every conftest asks here, so the rule is the same for all of them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import NoReturn

import pytest


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(message: str) -> NoReturn:
    """Fail under CI, skip elsewhere, saying what is missing and how to install it."""
    if under_ci():
        pytest.fail(message)
    pytest.skip(message)


def require_tool(command: str, install_hint: str) -> str:
    """The path of the executable `command` (a name on PATH or a path), or missing()."""
    path = shutil.which(command) or (command if os.access(command, os.X_OK) else None)
    if path is None:
        missing(f"{command} is not installed: {install_hint} (make test installs it)")
    return path


def require_module(name: str, install_hint: str) -> None:
    """Nothing when the Python module `name` can be imported, else missing()."""
    if importlib.util.find_spec(name) is None:
        missing(f"{name} is not installed: {install_hint} (make test installs it)")
