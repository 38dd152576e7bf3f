"""pyotp is the extra `emulator-totp`: a pool without TOTP users runs without it, one with them is refused by name.

Cognito developer guide, "Adding MFA to a user pool": software-token MFA is a per-user choice,
so most pools (and the demo pool) have no TOTP user at all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devidp.config import ConfigError, User

ROOT = Path(__file__).resolve().parent.parent.parent
#: Every module of the emulator imported, and its demo pool loaded, with pyotp made unimportable.
_WITHOUT_PYOTP = """
import pkgutil, sys
sys.modules["pyotp"] = None
import devidp
for module in pkgutil.walk_packages(devidp.__path__, "devidp."):
    if module.name != "devidp.__main__":
        __import__(module.name)
from devidp.config import DEFAULT_CONFIG_PATH, load_config
print(len(load_config(DEFAULT_CONFIG_PATH).users), "users")
"""


@pytest.fixture
def without_pyotp(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyotp", None)  # `import pyotp` raises ImportError, as when not installed


def test_no_module_of_the_emulator_needs_pyotp_to_import_or_load_the_demo_pool():
    result = subprocess.run([sys.executable, "-c", _WITHOUT_PYOTP], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.strip().endswith("users"), result.stderr


def test_a_pool_without_totp_users_signs_in_without_pyotp(without_pyotp, hosted_ui):
    assert hosted_ui.sign_in().code


def test_a_totp_user_without_pyotp_names_the_extra(without_pyotp):
    with pytest.raises(ConfigError) as refused:
        User(username="otp", password="OtpUserPass1!", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert str(refused.value) == ("totp_secret: a TOTP user needs pyotp, which is not installed: "
                                  "pip install 'flask-cognito-signin[emulator-totp]'")
