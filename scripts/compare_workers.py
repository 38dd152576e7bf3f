"""`make bench-serving`: which gunicorn worker class serves the example app best, on the whole workload.

Each candidate (sync; gthread with 1, 2 and 4 threads; gevent) serves the app under this
project's gunicorn.conf.py, with the emulator made `--delay` seconds away (a real user pool
is tens of milliseconds from its apps), beside the bare anchor (scripts/bare_app.py, plain
sync gunicorn). For each it measures:

- authenticated requests: GET /api/me with a session cookie, wrk rounds interleaved with the
  anchor's at 4 connections, as a ratio to it, with its p50 and p99 and the p99's ratio to the
  anchor's (the choice of worker class is made on the slowest requests too);
- sign-ins: `--users` people signing in at once through the slow IdP, sign-ins/s;
- refreshes: `--users` sessions whose every request refreshes its tokens (TOKEN_REFRESH_MARGIN
  longer than the tokens live), requests/s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devidp.driver import sign_in  # noqa: E402
from scripts.bench_measure import Endpoint, interleaved, sign_ins  # noqa: E402
from scripts.bench_servers import USER, app_env, emulator, gunicorn, stop_all, trusted_certificates  # noqa: E402
from scripts.processes import free_port  # noqa: E402

CANDIDATES = {
    "sync": {"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_THREADS": "1"},
    "gthread, 1 thread": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "1"},
    "gthread, 2 threads": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "2"},
    "gthread, 4 threads": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"},
    "gevent": {"GUNICORN_WORKER_CLASS": "gevent", "GUNICORN_THREADS": "1"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.075, help="seconds added to every IdP call (default 0.075)")
    parser.add_argument("--users", type=int, default=16, help="people signing in, or sessions refreshing, at once")
    parser.add_argument("--sign-ins", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--refresh-seconds", type=float, default=6.0)
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), help="measure these candidates only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = free_port()
        app_url = f"http://localhost:{port}"
        with emulator(work, [app_url], trusted_certificates(work), delay=args.delay) as idp:
            anchor = gunicorn(work, "bare-plain", "scripts.bare_app:app", serving="plain", workers=args.workers)
            try:
                print(f"{args.workers} workers; the IdP over HTTPS, {args.delay * 1000:.0f} ms away; {args.users} users at once.\n")
                print(f"{'worker class':20} {'/api/me vs bare sync':>21} {'p50 ms':>7} {'p99 ms':>7} "
                      f"{'p99 vs bare':>12} {'sign-ins/s':>11} {'p50 ms':>8} {'refreshes/s':>12}")
                for name in args.only or CANDIDATES:
                    row = measure(args, work, idp, anchor, name, port, app_url)
                    print(f"{name:20} {row['ratio']:21.2f} {row['me_p50']:7.2f} {row['me_p99']:7.2f} "
                          f"{row['p99_ratio']:12.2f} {row['sign_ins']:11.1f} {row['p50']:8.0f} "
                          f"{row['refreshes']:12.1f}", flush=True)
            finally:
                stop_all([anchor])
    return 0


def measure(args, work: Path, idp, anchor, name: str, port: int, app_url: str) -> dict[str, float]:
    slug = name.replace(", ", "-").replace(" ", "")
    env = app_env(idp, app_url, work, slug, **CANDIDATES[name])
    app = gunicorn(work, slug, "wsgi:app", serving="project", workers=args.workers, port=port, env=env)
    try:
        browser = requests.Session()
        assert sign_in(browser, app_url + "/login", USER.username, USER.password).status_code == 302
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies if c.name.endswith("cognito_session"))
        loopback = app_url.replace("localhost", "127.0.0.1")
        results = interleaved([
            Endpoint("anchor", anchor.url.replace("localhost", "127.0.0.1") + "/", {}, anchor.process.pid),
            Endpoint(name, loopback + "/api/me", {"Cookie": cookie}, app.process.pid),
        ], args.rounds, args.seconds, 4)
        signed_in = sign_ins(app_url, app.process.pid, USER.username, USER.password, args.sign_ins, args.users)
    finally:
        stop_all([app])
    refreshing = gunicorn(work, slug + "-refresh", "wsgi:app", serving="project", workers=args.workers, port=port,
                          env={**env, "TOKEN_REFRESH_MARGIN": "2h"})
    try:
        refreshes = _refreshes(app_url, args.users, args.refresh_seconds)
    finally:
        stop_all([refreshing])
    me, bare = results[name], results["anchor"]
    return {"ratio": me.rps / bare.rps, "me_p50": me.p50, "me_p99": me.p99, "p99_ratio": me.p99 / bare.p99,
            "sign_ins": signed_in.rate, "p50": signed_in.p50, "refreshes": refreshes}


def _refreshes(app_url: str, users: int, seconds: float) -> float:
    """Requests/s of `users` sessions that refresh on every request (each one a call to the slow token endpoint)."""
    browsers = []
    for _ in range(users):
        browser = requests.Session()
        assert sign_in(browser, app_url + "/login", USER.username, USER.password).status_code == 302
        browsers.append(browser)
    counts = [0] * users
    deadline = time.monotonic() + seconds

    def keep_asking(index: int) -> None:
        while time.monotonic() < deadline:
            if browsers[index].get(app_url + "/api/me", timeout=30).status_code == 200:
                counts[index] += 1

    threads = [threading.Thread(target=keep_asking, args=(index,)) for index in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
