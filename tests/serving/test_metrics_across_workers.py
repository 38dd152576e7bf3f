"""Metrics under gunicorn with two workers: any worker's /metrics answers the sum of both (prometheus-client's
multiprocess mode), the last run's counts are gone at start, and without the shared directory start-up stops."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from prometheus_client.parser import text_string_to_metric_families

from flask_cognito_signin.pytest_plugin import cognito_emulator, cognito_pool  # noqa: F401 (as tests/extension/conftest.py)
from scripts.processes import ROOT, free_port, start, stop

TOKEN = "metrics-token-" + "w" * 32
_LAST_RUN = "from flask_cognito_signin import metrics; metrics.SIGN_IN_STARTS.labels('cognito').inc(1000)"


def _gunicorn_environ(port: int, **settings: str) -> dict[str, str]:
    environ = {name: value for name, value in os.environ.items()
               if name not in ("GUNICORN_CMD_ARGS", "PROMETHEUS_MULTIPROC_DIR")}
    environ.update(settings, SECRET_KEY="metrics-workers-secret-" + "k" * 32, METRICS_TOKEN=TOKEN,
                   APP_BASE_URL=f"http://127.0.0.1:{port}", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
                   GUNICORN_WORKER_CLASS="sync", ACCESS_LOG="/dev/null")
    return environ


def _get(url: str, token: str | None = None) -> tuple[str, str]:
    """The worker that answered (its request ids' prefix) and the body."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    opener = urllib.request.build_opener(_NoRedirects)
    with opener.open(request, timeout=10) as answer:
        return answer.headers["X-Request-ID"].split("-")[0], answer.read().decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, answer, code, message, headers):
        return answer


def _sample(text: str, name: str, **labels: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()))


def test_any_worker_answers_the_sum_of_both_and_the_last_run_is_forgotten(cognito_emulator, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    subprocess.run([sys.executable, "-c", _LAST_RUN], cwd=ROOT, check=True, timeout=60,
                   env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)})
    assert list(directory.glob("*.db")), "the last run left its counts"
    port = free_port()
    environ = _gunicorn_environ(port, **cognito_emulator.app_config(f"http://127.0.0.1:{port}"),
                                SESSION_STORE_URL=f"sqlite:///{tmp_path / 'sessions.db'}",
                                PROMETHEUS_MULTIPROC_DIR=str(directory))
    server = start([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], port,
                   tmp_path / "gunicorn.log", environ)
    try:
        base = f"http://127.0.0.1:{port}"
        workers: dict[str, int] = {}
        with ThreadPoolExecutor(4) as pool:
            for _ in range(10):  # until both workers have served sign-ins (accept() picks one at random)
                for worker, _body in pool.map(lambda _: _get(base + "/login"), range(8)):
                    workers[worker] = workers.get(worker, 0) + 1
                if len(workers) == 2:
                    break
        assert len(workers) == 2, f"one worker served every request: {workers}"
        scrapes = [_get(base + "/metrics", TOKEN) for _ in range(8)]
        for _worker, text in scrapes:
            assert _sample(text, "cognito_signin_sign_in_starts_total", provider="cognito") == sum(workers.values())
            assert _sample(text, "cognito_signin_http_request_duration_seconds_count", route="/login") == \
                sum(workers.values())
    finally:
        stop(server)


def test_several_workers_without_the_shared_directory_do_not_start(tmp_path):
    port = free_port()
    environ = _gunicorn_environ(port, OIDC_DISCOVERY_URL="http://127.0.0.1:9/pool/.well-known/openid-configuration",
                                OIDC_CLIENT_ID="client", OIDC_CLIENT_SECRET="secret",
                                SESSION_STORE_URL=f"sqlite:///{tmp_path / 'sessions.db'}")
    run = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                         cwd=ROOT, env=environ, capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    assert "set PROMETHEUS_MULTIPROC_DIR" in run.stderr + run.stdout
