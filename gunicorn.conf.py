"""gunicorn settings for production and for `make run`; every value can be overridden by its variable.

`gunicorn wsgi:app` picks this file up from the working directory.
"""

import gc
import json
import multiprocessing
import os
import shlex
import sys
import time
from pathlib import Path

from gunicorn.glogging import Logger

bind = os.environ.get("BIND", "0.0.0.0:8000")


def _chosen_worker_class() -> str:
    """The worker class gunicorn will run: `-k` on its command line, else in GUNICORN_CMD_ARGS, else
    GUNICORN_WORKER_CLASS, else gevent.

    gunicorn applies the first two over this file only after reading it, so the file reads them
    the same way, with gunicorn's own parser: the monkey-patching below must follow the class that
    really runs (`gunicorn -k sync` must not patch), not a guess from one variable.
    """
    from gunicorn.config import Config

    parser = Config().parser()
    chosen = os.environ.get("GUNICORN_WORKER_CLASS") or "gevent"
    for args in (shlex.split(os.environ.get("GUNICORN_CMD_ARGS", "")), sys.argv[1:]):
        chosen = parser.parse_known_args(args)[0].worker_class or chosen
    return chosen


# gevent workers, chosen by `make bench-serving` (the table is in docs/example-app.md): a sign-in or a
# token refresh waits on the IdP for most of its time, and under gevent that wait holds neither
# a process (sync) nor one of a few threads (gthread); authenticated requests cost no more.
worker_class = _chosen_worker_class()
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# Only for gthread (gunicorn turns sync into gthread when threads > 1).
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
#: gevent workers' connection counts (app/connection_balance.py); None under other worker classes.
_connection_counts = None
if "gevent" in worker_class.lower():  # gevent, or one of its variants: gevent_wsgi, gunicorn.workers.ggevent...
    # Before the app is loaded (preload_app): its locks and sockets must be gevent's from the start,
    # or a greenlet waiting on a lock that another greenlet holds across an IdP call blocks the worker.
    from gevent import idle, monkey

    monkey.patch_all()

    def post_request(worker, req, environ, resp):
        """Let the worker's other connections go first before this one's next request.

        A keep-alive connection whose next request has already arrived reads it without waiting
        (gevent's recv returns at once when data is there), so one busy client could keep its
        greenlet running and the worker's other connections waited, up to hundreds of ms at the
        99th percentile (docs/example-app.md: Benchmarks). idle() returns once the event loop has run every
        other greenlet that is ready: the connections take turns.
        """
        idle()

    from app.connection_balance import ConnectionCounts, install

    _connection_counts = ConnectionCounts()

    def pre_fork(server, worker):
        """In the master: the worker's slot among the workers' connection counts (app/connection_balance.py)."""
        _connection_counts.assign(worker)

    def post_fork(server, worker):
        """In the worker: it accepts a connection only while no other worker holds fewer."""
        install(_connection_counts, worker)
# Load the app once in the master: a configuration error stops start-up with its message,
# instead of every worker failing in a loop. Nothing connects before the fork.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Longer than an AWS load balancer's 60 s idle timeout, so the balancer closes connections first.
keepalive = 75
# Scheme and client address come from ProxyFix, trusted for TRUSTED_PROXY_COUNT hops only.
forwarded_allow_ips = ""
secure_scheme_headers = {}
# No control socket: several instances on one host would fight over its single default path.
control_socket_disable = True


def when_ready(server):
    """In the master, before the workers fork: fetch each provider's discovery and keys once for all, then
    freeze what the master holds out of the garbage collector's reach (Python's docs on gc.freeze, for
    servers that fork). A worker's full collections then skip the app's modules and objects: one took
    32.7 ms in process, 0.13 ms frozen (docs/example-app.md, Benchmarks); the pages stay shared."""
    from flask_cognito_signin.state import EXTENSION_KEY, SignInState

    state = getattr(server.app.wsgi(), "extensions", {}).get(EXTENSION_KEY)
    for provider in state.providers.values() if isinstance(state, SignInState) else ():
        provider.warm_up()
    gc.freeze()


def on_starting(server):
    """Metrics from several workers (docs/metrics.md): each keeps its counts in PROMETHEUS_MULTIPROC_DIR,
    emptied here of the last run's before any worker starts. Without that directory every scrape would
    get the counts of whichever worker answered it, so a metrics-enabled app with more workers stops here."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        for counts in Path(directory).glob("*.db"):  # prometheus-client's files only
            counts.unlink()
    elif server.cfg.workers > 1 and _metrics_enabled(server):
        raise SystemExit(f"METRICS_TOKEN is set and gunicorn runs {server.cfg.workers} workers: set "
                         "PROMETHEUS_MULTIPROC_DIR to an empty directory, where /metrics sums them.")


def child_exit(server, worker):
    """A worker ended: its connection count leaves the balance, and its live gauges prometheus-client's sums."""
    if _connection_counts is not None:
        _connection_counts.release(worker)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and "prometheus_client" in sys.modules:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _metrics_enabled(server) -> bool:
    from flask_cognito_signin.state import EXTENSION_KEY, SignInState

    state = getattr(server.app.wsgi(), "extensions", {}).get(EXTENSION_KEY)
    return isinstance(state, SignInState) and state.settings.metrics_token is not None


accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")


# Imported here, after gevent has patched (above) whatever the app's modules will use.
from app.middleware import REQUEST_ID_KEY


class JsonAccessLogger(Logger):
    """One JSON object per request, properly escaped, with the path but never the query string:
    the callback's query holds the authorization code, which must not reach a log."""

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        self.access_log.info(json.dumps({
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "event": "http_request",
            "client": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": resp.status_code,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": environ.get(REQUEST_ID_KEY),  # the example host's middleware keeps it there
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }))


logger_class = JsonAccessLogger
