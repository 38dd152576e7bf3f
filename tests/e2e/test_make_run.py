"""`make run` itself, as the README's first command: a fresh copy of the checkout, the venv it makes, Chromium.

The venv is the one `make run` made from requirements.txt, not the test venv: a package that
only the test tools bring (gunicorn's gevent worker needs `packaging`, which pytest happened to
install) fails here, as it fails for a new user.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.test_emulator_browser import sign_in_see_the_session_and_sign_out

pytestmark = pytest.mark.e2e


def test_make_run_made_a_venv_of_the_runtime_lock_alone(made_by_make_run):
    probe = subprocess.run([made_by_make_run.python, "-c", "import pytest"], capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'pytest'" in probe.stderr, "make run installed the test tools"


def test_a_person_signs_in_and_out_of_what_make_run_serves(page, made_by_make_run):
    sign_in_see_the_session_and_sign_out(page, made_by_make_run.emulator_url, made_by_make_run.rp)
