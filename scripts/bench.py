"""`make bench`: what authentication costs a Flask app, measured in one run against a bare Flask app.

The anchor is scripts/bare_app.py (one view returning "ok") under plain `gunicorn -w N`
(sync workers, no configuration file); the same bare app also runs under this project's
gunicorn.conf.py, to show what the serving configuration alone costs. Beside them, in short
interleaved wrk rounds, GET /api/me of the example app authenticated by a session cookie and
by a Bearer access token; the emulator's request log counts IdP calls made meanwhile.

Then full sign-ins (app /login, the emulator's hosted UI, the app's callback) of the example
app and of a tutorial-style Authlib app (scripts/tutorial_app.py), both under this project's
gunicorn.conf.py, in alternating batches: CPU per sign-in of each app's gunicorn processes.
Every IdP the benchmark runs is reached over HTTPS on connections that stay open, as a real
user pool is (scripts/https_front.py): an app that opens a new connection per call pays the
TLS handshake that it would pay in production.

Last, the same app signing people in through an emulator made as far away as a real user pool
(`--far` seconds on every IdP call, the browser's and the app's), alternating with the loopback
one, `--far-parallel` people each signing in again as soon as a sign-in ends: a worker that waits
on its IdP must not stop serving the others.

Per-core figures are the inverse of CPU per request or sign-in: what one core serves.
Targets: authenticated requests at 0.90 of the bare app under plain sync workers (0.85 the
floor), their p99 at most twice the bare app's at 4 and at 64 connections, no IdP call once
warm, sign-in CPU at or below the tutorial app's, sign-ins with the IdP far away at 0.75 of
the loopback rate or more.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import requests
from authlib.integrations.requests_client import OAuth2Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devidp.driver import sign_in, submit_login  # noqa: E402  (the benchmark drives the emulator)
from scripts.bench_measure import Endpoint, interleaved, merged, sign_ins, steady_sign_in_rate  # noqa: E402
from scripts.bench_servers import CLIENT, USER, app_env, emulator, gunicorn, stop_all, trusted_certificates  # noqa: E402
from scripts.processes import free_port  # noqa: E402

TARGET, FLOOR = 0.90, 0.85
#: Sign-ins through an IdP `--far` away, as a share of the loopback rate at the same concurrency.
FAR_SHARE = 0.75
#: Seconds of each round's sign-ins before counting starts: until every person has one under way.
FAR_WARM_UP = 3.0
#: The slowest requests: p99 at most this many times the anchor's, at the same concurrency.
TAIL = 2.0
BARE_PLAIN, BARE_PROJECT = "bare app, plain gunicorn (sync)", "bare app, gunicorn.conf.py"
SESSION, BEARER = "/api/me, session cookie", "/api/me, Bearer token"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of every server (default 2)")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved wrk rounds per endpoint (default 8)")
    parser.add_argument("--seconds", type=int, default=2, help="seconds of one wrk round (default 2)")
    parser.add_argument("--connections", type=int, nargs="+", default=[4, 64],
                        help="wrk connections, one set of rounds each (default 4 64)")
    parser.add_argument("--sign-ins", type=int, default=200, help="full sign-ins per app (default 200)")
    parser.add_argument("--parallel", type=int, default=8, help="sign-ins at a time (default 8)")
    parser.add_argument("--batches", type=int, default=8, help="alternating batches of sign-ins per app (default 8)")
    parser.add_argument("--far", type=float, default=0.08, help="seconds the far IdP adds to each call (default 0.08)")
    parser.add_argument("--far-parallel", type=int, default=96,
                        help="people signing in one after another, loopback and far IdP alike (default 96: enough "
                             "that the loopback app runs out of CPU, not of people)")
    parser.add_argument("--far-rounds", type=int, default=4, help="alternating rounds per IdP (default 4)")
    parser.add_argument("--far-seconds", type=float, default=4.0, help="seconds counted per round (default 4)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rp_port, tutorial_port, far_port = free_port(), free_port(), free_port()
        rp_url, tutorial_url = f"http://localhost:{rp_port}", f"http://localhost:{tutorial_port}"
        far_url, far_work = f"http://localhost:{far_port}", work / "far"
        far_work.mkdir()
        certificates = trusted_certificates(work)
        with emulator(work, [rp_url, tutorial_url], certificates) as idp, \
                emulator(far_work, [far_url], certificates, delay=args.far) as far_idp:
            servers = [
                gunicorn(work, "bare-plain", "scripts.bare_app:app", serving="plain", workers=args.workers),
                gunicorn(work, "bare-project", "scripts.bare_app:app", serving="project", workers=args.workers),
                gunicorn(work, "rp", "wsgi:app", serving="project", workers=args.workers, port=rp_port,
                         env=app_env(idp, rp_url, work, "rp")),
                gunicorn(work, "tutorial", "scripts.tutorial_app:app", serving="project", workers=args.workers,
                         port=tutorial_port, env=app_env(idp, tutorial_url, work, "tutorial")),
                gunicorn(work, "rp-far", "wsgi:app", serving="project", workers=args.workers, port=far_port,
                         env=app_env(far_idp, far_url, work, "rp-far")),
            ]
            try:
                return run(args, work, idp, *servers)
            finally:
                stop_all(servers)


def run(args, work: Path, idp, bare_plain, bare_project, rp, tutorial, rp_far) -> int:
    browser = requests.Session()
    assert sign_in(browser, rp.url + "/login", USER.username, USER.password).status_code == 302, "warm-up sign-in"
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies if c.name.endswith("cognito_session"))
    access_token = _access_token(idp.domain_url, rp.url + "/oauth/v2/callback")
    loopback = lambda served: served.url.replace("localhost", "127.0.0.1")  # noqa: E731 (wrk: no IPv6 detour)
    endpoints = [
        Endpoint(BARE_PLAIN, loopback(bare_plain) + "/", {}, bare_plain.process.pid),
        Endpoint(BARE_PROJECT, loopback(bare_project) + "/", {}, bare_project.process.pid),
        Endpoint(SESSION, loopback(rp) + "/api/me", {"Cookie": cookie}, rp.process.pid),
        Endpoint(BEARER, loopback(rp) + "/api/me", {"Authorization": f"Bearer {access_token}"}, rp.process.pid),
    ]
    for endpoint in endpoints[2:]:
        assert requests.get(endpoint.url, headers=endpoint.headers, timeout=5).status_code == 200, endpoint.name
    print(f"{args.workers} gunicorn workers per server; {args.rounds} interleaved rounds of {args.seconds} s per "
          f"endpoint at each concurrency; the emulator as IdP, over HTTPS; all on this machine's loopback.")
    idp_calls_before = _idp_calls(work)
    by_concurrency = {}
    for connections in args.connections:
        results = by_concurrency[connections] = interleaved(endpoints, args.rounds, args.seconds, connections)
        anchor, project = results[BARE_PLAIN], results[BARE_PROJECT].rps
        print(f"\nwrk -c{connections}: {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'vs bare sync':>13} "
              f"{'p99 vs bare':>12} {'vs bare conf':>13} {'CPU/request':>12}")
        for name, result in results.items():
            print(f"{name:34} {result.rps:7.0f} {result.p50:7.2f} {result.p99:7.2f} {result.rps / anchor.rps:13.2f} "
                  f"{result.p99 / anchor.p99:12.2f} {result.rps / project:13.2f} {result.cpu_us:9.0f} us")
    idp_calls = _idp_calls(work) - idp_calls_before
    authenticated = sum(results[name].requests for results in by_concurrency.values() for name in (SESSION, BEARER))
    print(f"\nIdP calls while serving {authenticated} authenticated requests: {idp_calls}")
    results = by_concurrency[args.connections[0]]

    print(f"\nFull sign-ins, {args.sign_ins} per app, {args.parallel} at a time, "
          f"in {args.batches} alternating batches:")
    ours, theirs = _alternating_sign_ins(rp, tutorial, args.sign_ins, args.parallel, args.batches)
    for name, measured in (("this project's app", ours), ("tutorial Authlib app", theirs)):
        _print_sign_ins(name, measured)
    far_ms = args.far * 1000
    print(f"\nThe same app, {args.far_parallel} people signing in one after another, in {args.far_rounds} alternating "
          f"rounds of {args.far_seconds:.0f} s (after {FAR_WARM_UP:.0f} s of warm-up each): the IdP on loopback, "
          f"and {far_ms:.0f} ms away")
    near, far = _steady_sign_in_rates(rp, rp_far, args)
    for name, (rate, failures) in (("IdP on loopback", near), (f"IdP {far_ms:.0f} ms away", far)):
        print(f"  {name:22} {rate:6.1f} sign-ins/s, failures {failures}")

    print("\nPer core (the inverse of CPU time, on this machine):")
    print(f"  authenticated requests/s per core: {1e6 / results[SESSION].cpu_us:.0f} (session), "
          f"{1e6 / results[BEARER].cpu_us:.0f} (Bearer)")
    print(f"  sign-ins/s per core: {1000 / ours.cpu_ms:.0f}")

    ratios = {name: results[name].rps / results[BARE_PLAIN].rps for name in (SESSION, BEARER)}
    tails = {(name, connections): measured[name].p99 / measured[BARE_PLAIN].p99
             for connections, measured in by_concurrency.items() for name in (SESSION, BEARER)}
    checks = {
        **{f"{name} at {TARGET:.2f} of the bare app under plain sync workers (floor {FLOOR:.2f}): {ratio:.2f}":
           ratio >= FLOOR for name, ratio in ratios.items()},
        **{f"{name} p99 at most {TAIL:.0f}x the bare app's under plain sync workers, wrk -c{connections}: "
           f"{ratio:.2f}x": ratio <= TAIL for (name, connections), ratio in tails.items()},
        "no IdP call per authenticated request once warm": idp_calls == 0,
        f"sign-in CPU at or below the tutorial app's ({ours.cpu_ms:.2f} vs {theirs.cpu_ms:.2f} ms)":
            ours.cpu_ms <= theirs.cpu_ms,
        f"sign-ins with the IdP {far_ms:.0f} ms away at {FAR_SHARE:.2f} of the loopback rate or more: "
        f"{far[0] / near[0]:.2f}": far[0] >= FAR_SHARE * near[0],
        "every sign-in succeeded": ours.failures == theirs.failures == near[1] == far[1] == 0,
    }
    print()
    for check, met in checks.items():
        print(f"{'MET   ' if met else 'MISSED'} {check}")
    return 0 if all(checks.values()) else 1


def _alternating_sign_ins(first, second, count: int, parallel: int, batches: int):
    """`count` sign-ins of each server in `batches` turns, alternating, after a warm-up batch each."""
    measured = {first.name: [], second.name: []}
    for turn in range(batches + 1):
        for app in (first, second):
            run = sign_ins(app.url, app.process.pid, USER.username, USER.password,
                           parallel if turn == 0 else max(1, count // batches), parallel)
            if turn:
                measured[app.name].append(run)
    return merged(measured[first.name]), merged(measured[second.name])


def _steady_sign_in_rates(near, far, args) -> tuple[tuple[float, int], tuple[float, int]]:
    """(sign-ins/s, failures) of each server over alternating rounds."""
    measured = {near.name: [], far.name: []}
    for _ in range(args.far_rounds):
        for served in (near, far):
            measured[served.name].append(steady_sign_in_rate(
                served.url, USER.username, USER.password, args.far_parallel, args.far_seconds, FAR_WARM_UP))

    def overall(runs: list[tuple[float, int]]) -> tuple[float, int]:
        return sum(rate for rate, _ in runs) / len(runs), sum(failures for _, failures in runs)

    return overall(measured[near.name]), overall(measured[far.name])


def _print_sign_ins(name: str, measured) -> None:
    print(f"  {name:22} {measured.rate:6.1f} sign-ins/s, p50 {measured.p50:6.1f} ms, "
          f"CPU {measured.cpu_ms:5.2f} ms per sign-in, failures {measured.failures}")


def _access_token(domain_url: str, redirect_uri: str) -> str:
    """A Cognito-shaped access token for the app's client, by the authorization-code flow at the emulator."""
    http = requests.Session()
    oauth = OAuth2Session(CLIENT.client_id, CLIENT.client_secret, token_endpoint_auth_method="client_secret_post",
                          redirect_uri=redirect_uri, scope="openid email profile", code_challenge_method="S256")
    verifier = "v" * 64
    url, _ = oauth.create_authorization_url(f"{domain_url}/oauth2/authorize", code_verifier=verifier)
    callback = submit_login(http, http.get(url, timeout=10), USER.username, USER.password)
    token = oauth.fetch_token(f"{domain_url}/oauth2/token", authorization_response=callback, code_verifier=verifier)
    return token["access_token"]


def _idp_calls(work: Path) -> int:
    """Requests the emulator has served so far: one access-log line each."""
    return len(re.findall(r'"(GET|POST) ', (work / "devidp.log").read_text()))


if __name__ == "__main__":
    sys.exit(main())
