"""The lock (requirements.txt, requirements-dev.txt) is in step with pyproject.toml's ranges.

`make lock` writes both files; this says when someone changed a range, an extra or a group and
did not run it, before a deploy installs something pyproject.toml no longer allows. Read
offline: the versions are compared with the ranges here, the resolution itself is uv's.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(.*?)(?=^\S|\Z)", re.M | re.S)

#: What each file installs, as `make lock` compiles it (Makefile): extras and dependency groups.
RUNTIME = {"extras": ("redis", "aws", "metrics", "emulator-totp", "emulator-passkeys"), "groups": ("host",)}
DEV = {"extras": ("redis", "aws", "metrics", "emulator-totp", "emulator-passkeys", "flask-login"),
       "groups": ("host", "test", "docs")}


def pins(name: str) -> dict[str, tuple[str, str]]:
    """{package: (version, the rest of its entry)} of a lock file."""
    text = (ROOT / name).read_text()
    return {canonicalize_name(found.group(1)): (found.group(2), found.group(3)) for found in _PIN.finditer(text)}


def direct(extras: tuple[str, ...], groups: tuple[str, ...]) -> list[Requirement]:
    project = PYPROJECT["project"]
    specs = [*project["dependencies"], *(spec for extra in extras for spec in project["optional-dependencies"][extra]),
             *(spec for group in groups for spec in PYPROJECT["dependency-groups"][group])]
    return [Requirement(spec) for spec in specs]


@pytest.mark.parametrize(("lock", "wanted"), [("requirements.txt", RUNTIME), ("requirements-dev.txt", DEV)])
def test_every_direct_dependency_is_pinned_within_its_range(lock, wanted):
    pinned = pins(lock)
    for requirement in direct(**wanted):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is not in {lock}: run make lock"
        assert requirement.specifier.contains(pinned[name][0], prereleases=True), (
            f"{lock} pins {name}=={pinned[name][0]}, outside {requirement}: run make lock")


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_carries_its_hashes(lock):
    unhashed = [name for name, (_, rest) in pins(lock).items() if "--hash=sha256:" not in rest]
    assert pins(lock) and not unhashed


def test_both_files_pin_the_runtime_at_the_same_versions_and_only_dev_has_the_test_tools():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert {name: runtime[name][0] for name in runtime} == {name: dev[name][0] for name in runtime if name in dev}
    test_tools = {canonicalize_name(Requirement(spec).name)
                  for group in ("test", "docs") for spec in PYPROJECT["dependency-groups"][group]}
    assert test_tools <= dev.keys() and not test_tools & runtime.keys()


def test_the_gevent_worker_has_what_it_imports_in_the_runtime_lock():
    """gunicorn 27 declares nothing, yet its gevent worker imports packaging: gunicorn[gevent] brings it."""
    assert {"gunicorn", "gevent", "packaging"} <= pins("requirements.txt").keys()
