"""gunicorn.conf.py: the worker class and gevent's monkey-patching follow one choice.

That choice is gunicorn's own: `-k` on the command line, else in GUNICORN_CMD_ARGS, else the
file's GUNICORN_WORKER_CLASS (default gevent). A patched sync or gthread worker would run
gevent's cooperative sockets under real threads; an unpatched gevent worker would block on
the app's real locks. Each case boots real gunicorn and asks a probe app.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from scripts.processes import stop
from tests.serving.gunicorn_probe import serve_probe_app


def serve_probe(tmp_path, args: list[str], **env: str) -> tuple[dict, str]:
    log = tmp_path / "gunicorn.log"
    port, process = serve_probe_app(log, *args, **env)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            return json.load(answer), log.read_text()
    finally:
        stop(process)


@pytest.mark.parametrize(("args", "env", "worker"), [
    ([], {}, "gevent"),
    ([], {"GUNICORN_WORKER_CLASS": "sync"}, "sync"),
    ([], {"GUNICORN_WORKER_CLASS": "gthread"}, "gthread"),
    (["-k", "sync"], {}, "sync"),
    (["--worker-class=gthread", "--threads", "2"], {}, "gthread"),
    (["-k", "gevent"], {"GUNICORN_WORKER_CLASS": "sync"}, "gevent"),
    (["-k", "sync"], {"GUNICORN_CMD_ARGS": "-k gevent"}, "sync"),
    ([], {"GUNICORN_CMD_ARGS": "-k gthread", "GUNICORN_WORKER_CLASS": "gevent"}, "gthread"),
], ids=["default", "variable-sync", "variable-gthread", "k-sync", "k-gthread", "k-over-variable",
        "k-over-cmd-args", "cmd-args-over-variable"])
def test_the_process_is_patched_exactly_when_gevent_workers_run(tmp_path, args, env, worker):
    answer, log = serve_probe(tmp_path, args, **env)
    used = re.search(r"Using worker: (\S+)", log)
    assert used, log
    assert (worker in used.group(1)) and answer["patched"] == (worker == "gevent"), (used.group(1), answer)


@pytest.mark.parametrize("args", [[], ["-k", "sync"]], ids=["gevent", "sync"])
def test_what_the_master_loaded_is_frozen_out_of_the_workers_collections(tmp_path, args):
    answer, _ = serve_probe(tmp_path, args)
    assert answer["frozen"] > 10_000, "the app's modules and objects, loaded in the master, are frozen"
