"""Real gunicorn under this project's gunicorn.conf.py, serving tests/serving/worker_probe.py on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts.processes import ROOT, free_port, start

PROBE = "tests.serving.worker_probe:app"


def serve_probe_app(log: Path, *args: str, workers: int = 1, **env: str) -> tuple[int, subprocess.Popen]:
    """(port, master process) of gunicorn with `args` and `env`, the worker class variables of the caller's
    environment left out."""
    port = free_port()
    environ = {name: value for name, value in os.environ.items()
               if name not in ("GUNICORN_WORKER_CLASS", "GUNICORN_CMD_ARGS")}
    environ.update(env, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers), ACCESS_LOG="/dev/null")
    process = start([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), *args, PROBE],
                    port, log, environ)
    return port, process
