"""gunicorn.conf.py's access log: one JSON object per request, with the request id and the path, never the query.

The callback's query carries the authorization code and the state, so a log line holding the
raw request line would hold them too.
"""

from __future__ import annotations

import json
import os
import sys

import requests

from scripts.processes import ROOT, free_port, start, stop


def test_a_callback_is_logged_with_its_request_id_and_without_its_query(tmp_path):
    port, access_log = free_port(), tmp_path / "access.log"
    environ = {name: value for name, value in os.environ.items()
               if name not in ("GUNICORN_WORKER_CLASS", "GUNICORN_CMD_ARGS")}
    environ.update(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", ACCESS_LOG=str(access_log))
    process = start([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                     "tests.serving.access_log_probe:app"], port, tmp_path / "gunicorn.log", environ)
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/oauth/v2/callback?code=the-code-42&state=the-state-42",
                              headers={"X-Request-ID": "trace-7"}, allow_redirects=False, timeout=10)
    finally:
        stop(process)
    assert answer.headers["X-Request-ID"] == "trace-7"
    text = access_log.read_text()
    assert "the-code-42" not in text and "the-state-42" not in text
    [line] = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert line["event"] == "http_request"
    assert (line["path"], line["status"], line["request_id"]) == ("/oauth/v2/callback", 302, "trace-7")
