"""The wheel as Python users expect it: typed (py.typed), licensed, classified, one version, and pyotp and webauthn extras.

The wheel is built from a copy of the checkout with pip, as `pip install .` builds it, and read
as an installer reads it: the files it holds and its METADATA.
"""

from __future__ import annotations

import sys
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

import flask_cognito_signin
from tests.support.installs import copy_checkout, run


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    work = tmp_path_factory.mktemp("wheel")
    source = copy_checkout(work / "checkout")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", source, "-w", work / "dist"], work,
        "pip wheel")
    built = list((work / "dist").glob("flask_cognito_signin-*.whl"))
    assert len(built) == 1, built
    with zipfile.ZipFile(built[0]) as archive:
        yield archive


@pytest.fixture(scope="module")
def metadata(wheel) -> Message:
    name = next(name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
    return Parser().parsestr(wheel.read(name).decode())


def test_the_wheel_says_the_package_is_typed_and_carries_the_licence(wheel):
    names = wheel.namelist()
    assert "flask_cognito_signin/py.typed" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), names
    assert Path(flask_cognito_signin.__file__).with_name("py.typed").is_file()


def test_the_metadata_has_the_licence_the_classifiers_and_the_packages_version(metadata):
    assert metadata["License-Expression"] == "MIT"
    classifiers = metadata.get_all("Classifier")
    assert {"Framework :: Flask", "Typing :: Typed", "Programming Language :: Python :: 3.11"} <= set(classifiers)
    assert metadata["Version"] == flask_cognito_signin.__version__


def test_pyotp_comes_only_with_the_emulator_totp_extra(metadata):
    pyotp = [requirement for requirement in metadata.get_all("Requires-Dist") if requirement.startswith("pyotp")]
    assert pyotp and all('extra == "emulator-totp"' in requirement for requirement in pyotp), pyotp


def test_webauthn_comes_only_with_the_emulator_passkeys_extra(metadata):
    webauthn = [requirement for requirement in metadata.get_all("Requires-Dist") if requirement.startswith("webauthn")]
    assert webauthn and all('extra == "emulator-passkeys"' in requirement for requirement in webauthn), webauthn
