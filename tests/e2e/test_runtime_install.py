"""A production install: requirements.txt alone (the venv `make run` made), `gunicorn -c gunicorn.conf.py wsgi:app`
under each worker class the configuration can choose, a user signed in and out by a script of that venv.

Each way of choosing the class is used once: the default (gevent), GUNICORN_WORKER_CLASS, and
gunicorn's own `-k`. The sign-in runs in the runtime venv too (scripts/smoke_sign_in.py, with
requests and the emulator's driver), so nothing of the test venv helps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from scripts.processes import free_port, stop
from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USER, EmulatorServer, emulator_env, pool_toml
from tests.support.installs import run, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emulator_for_one_app_port(made_by_make_run, tmp_path_factory) -> Iterator[tuple[EmulatorServer, int]]:
    """The runtime venv's emulator, with the demo client registered for one app port that each worker class takes in turn."""
    work = tmp_path_factory.mktemp("runtime-install")
    app_port, issuer_port, domain_port = free_port(), free_port(), free_port()
    (work / "pool.toml").write_text(pool_toml(f"http://localhost:{app_port}"))
    log = work / "devidp.log"
    process = serve([made_by_make_run.python, "-m", "devidp", "--port", issuer_port, "--domain-port", domain_port,
                     "--config", work / "pool.toml", "--instance-path", work / "devidp-instance"],
                    made_by_make_run.checkout, issuer_port, log)
    try:
        yield (EmulatorServer(f"http://127.0.0.1:{domain_port}", process, log,
                              issuer_base_url=f"http://127.0.0.1:{issuer_port}"), app_port)
    finally:
        stop(process)


@pytest.mark.parametrize(("worker", "args", "settings"), [
    ("gevent", [], {}),
    ("gthread", [], {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"}),
    ("sync", ["-k", "sync"], {}),
])
def test_gunicorn_boots_and_signs_a_user_in_and_out(made_by_make_run, emulator_for_one_app_port, tmp_path,
                                                     worker, args, settings):
    emulator, port = emulator_for_one_app_port
    checkout, log = made_by_make_run.checkout, tmp_path / "gunicorn.log"
    url = f"http://localhost:{port}"
    app = serve([checkout / ".venv" / "bin" / "gunicorn", "-c", "gunicorn.conf.py", *args, "wsgi:app"], checkout,
                port, log, **emulator_env(emulator), **settings, SECRET_KEY="runtime-install-secret-" + "k" * 32,
                APP_BASE_URL=url, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
                SESSION_STORE_URL=f"sqlite:///{tmp_path / 'sessions.db'}")
    try:
        signed = run([made_by_make_run.python, "-m", "scripts.smoke_sign_in", url, DEMO_USER, DEMO_PASSWORD],
                     checkout, f"signing in and out under {worker} workers")
    finally:
        stop(app)
    assert f"{DEMO_USER} signed in and out at {url}" in signed.stdout
    used = re.search(r"Using worker: (\S+)", log.read_text())
    assert used and worker in used.group(1), log.read_text()[-2000:]
