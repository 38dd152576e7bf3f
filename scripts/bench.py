"""`make bench`: what authentication costs, measured under gunicorn on loopback in one run.

Side by side with a bare endpoint of the same app (/healthz, a constant), wrk measures
requests/s and p50/p99 latency of GET /api/me authenticated by a session cookie and by a
Bearer access token; the emulator's request log counts IdP calls made while serving them.
Then N full sign-ins (app /login → emulator hosted UI → app callback) give sign-ins/s,
latency, and the app's CPU milliseconds per sign-in (CPU time of its gunicorn processes,
from /proc, over N). Targets: each authenticated request type at 85% or more of the bare
endpoint's throughput, and zero IdP calls per request once warm.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from authlib.integrations.requests_client import OAuth2Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devidp import load_config  # noqa: E402  (the benchmark drives the emulator, it is no part of the app)
from devidp.driver import sign_in, submit_login  # noqa: E402
from scripts.processes import free_port, start, stop  # noqa: E402

TARGET_RATIO = 0.85
BARE, SESSION, BEARER = "bare endpoint (GET /healthz)", "GET /api/me, session cookie", "GET /api/me, Bearer token"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=2, help="seconds of load per wrk run (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent wrk connections (default 16)")
    parser.add_argument("--rounds", type=int, default=25, help="interleaved wrk runs per endpoint (default 25)")
    parser.add_argument("--sign-ins", type=int, default=200, help="full sign-ins to measure (default 200)")
    args = parser.parse_args()

    pool = load_config()
    client, user = pool.default_client, pool.default_user
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rp_port, idp_port, domain_port = free_port(), free_port(), free_port()
        # idp_url is the emulator's pool domain (its token endpoint); the issuer is on idp_port.
        # The app is registered on localhost: Cognito allows plain http callbacks only there.
        rp_url, idp_url = f"http://localhost:{rp_port}", f"http://127.0.0.1:{domain_port}"
        config = work / "pool.toml"
        config.write_text((ROOT / "devidp" / "pool.toml").read_text().replace("http://localhost:5000", rp_url))
        idp_log = work / "devidp.log"
        emulator = start([sys.executable, "-m", "devidp", "--port", str(idp_port), "--domain-port", str(domain_port),
                          "--config", str(config), "--instance-path", str(work / "devidp")], idp_port, idp_log)
        rp = start([sys.executable, "-m", "gunicorn", "wsgi:app"], rp_port, work / "rp.log", {
            "SECRET_KEY": "bench-" + "k" * 40,
            "OIDC_DISCOVERY_URL": f"http://127.0.0.1:{idp_port}/{pool.pool_id}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": client.client_id,
            "OIDC_CLIENT_SECRET": client.client_secret,
            "APP_BASE_URL": rp_url,
            "SESSION_STORE_URL": f"sqlite:///{work / 'sessions.db'}",
            "BIND": f"127.0.0.1:{rp_port}",
            "ACCESS_LOG": "/dev/null",
        })
        try:
            return run(args, rp, rp_url, idp_url, idp_log, pool, client, user)
        finally:
            stop(rp)
            stop(emulator)


def run(args, rp, rp_url, idp_url, idp_log, pool, client, user) -> int:
    browser = requests.Session()
    landed = sign_in(browser, rp_url + "/login", user.username, user.password)
    assert landed.status_code == 302, f"warm-up sign-in failed: {landed.status_code}"
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies if c.name.endswith("cognito_session"))
    access_token = _access_token(idp_url, rp_url + "/oauth/v2/callback", client, user)
    for headers in ({"Cookie": cookie}, {"Authorization": f"Bearer {access_token}"}):
        assert requests.get(rp_url + "/api/me", headers=headers, timeout=5).status_code == 200

    endpoints = {
        BARE: (rp_url + "/healthz", {}),
        SESSION: (rp_url + "/api/me", {"Cookie": cookie}),
        BEARER: (rp_url + "/api/me", {"Authorization": f"Bearer {access_token}"}),
    }
    print(f"wrk: {args.connections} connections, {args.rounds} rounds of {args.duration} s per endpoint, "
          "interleaved; app under gunicorn (gunicorn.conf.py), emulator as its IdP")
    print("Requests/s and CPU are totals over all rounds; short interleaved rounds make a slow spell of this\n"
          "shared machine fall on every endpoint alike. Latencies are the median round's.\n")
    for url, headers in endpoints.values():  # warm every worker: discovery, keys, connections
        _wrk(url, headers, args, duration=2)
    idp_calls_before = _idp_requests(idp_log)
    rounds = {name: [] for name in endpoints}
    for _ in range(args.rounds):
        for name, (url, headers) in endpoints.items():
            cpu_before = _cpu_seconds(rp.pid)
            run = _wrk(url, headers, args)
            run["cpu_s"] = _cpu_seconds(rp.pid) - cpu_before
            rounds[name].append(run)
    idp_calls = _idp_requests(idp_log) - idp_calls_before
    results = {name: _combined(runs) for name, runs in rounds.items()}
    served = sum(results[name]["requests"] for name in (SESSION, BEARER))
    ratios = {name: result["rps"] / results[BARE]["rps"] for name, result in results.items()}

    print(f"{'':32} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} {'app CPU/request':>16}")
    for name, result in results.items():
        print(f"{name:32} {result['rps']:11.0f} {result['p50']:8.2f} {result['p99']:8.2f} {ratios[name]:8.0%} "
              f"{result['cpu_us']:12.0f} us")
    print(f"\nIdP calls while serving {served} authenticated requests (after warm-up): {idp_calls} "
          f"({idp_calls / max(served, 1):.4f} per request)")

    sign_ins = _sign_ins(rp, rp_url, user, args.sign_ins)
    print(f"\nFull sign-ins (app /login -> emulator hosted UI -> app callback), {args.sign_ins} with 8 in parallel:")
    print(f"  {sign_ins['rate']:.1f} sign-ins/s, p50 {sign_ins['p50']:.1f} ms, p99 {sign_ins['p99']:.1f} ms, "
          f"app CPU {sign_ins['cpu_ms']:.2f} ms per sign-in, failures {sign_ins['failures']}")

    checks = {
        f"session-authenticated throughput >= {TARGET_RATIO:.0%} of bare":
            ratios[SESSION] >= TARGET_RATIO,
        f"bearer-authenticated throughput >= {TARGET_RATIO:.0%} of bare":
            ratios[BEARER] >= TARGET_RATIO,
        "zero IdP calls per request once warm": idp_calls == 0,
        "every sign-in succeeded": sign_ins["failures"] == 0,
    }
    print()
    for check, met in checks.items():
        print(f"{'MET   ' if met else 'MISSED'} {check}")
    return 0 if all(checks.values()) else 1


def _access_token(idp_url: str, redirect_uri: str, client, user) -> str:
    """A Cognito-shaped access token for the app's client, by the authorization-code flow at the emulator."""
    http = requests.Session()
    oauth = OAuth2Session(client.client_id, client.client_secret, token_endpoint_auth_method="client_secret_post",
                          redirect_uri=redirect_uri, scope="openid email profile",
                          code_challenge_method="S256")
    verifier = "v" * 64
    url, _ = oauth.create_authorization_url(f"{idp_url}/oauth2/authorize", code_verifier=verifier)
    callback = submit_login(http, http.get(url, timeout=10), user.username, user.password)
    token = oauth.fetch_token(f"{idp_url}/oauth2/token", authorization_response=callback, code_verifier=verifier)
    return token["access_token"]


def _combined(runs: list[dict[str, float]]) -> dict[str, float]:
    """All rounds of one endpoint as one run: total requests over total time; the median round's latencies."""
    requests = sum(run["requests"] for run in runs)
    median = sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]
    return {
        "requests": requests,
        "rps": requests / sum(run["requests"] / run["rps"] for run in runs),
        "cpu_us": sum(run["cpu_s"] for run in runs) * 1e6 / requests,
        "p50": median["p50"],
        "p99": median["p99"],
    }


def _wrk(url: str, headers: dict[str, str], args, duration: int | None = None) -> dict[str, float]:
    command = ["wrk", f"-t{min(2, args.connections)}", f"-c{args.connections}", f"-d{duration or args.duration}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} error responses under load\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
    }


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * _UNITS[unit]


def _idp_requests(log: Path) -> int:
    """Requests the emulator has served so far: one access-log line each."""
    return len(re.findall(r'"(GET|POST) ', log.read_text()))


def _cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _sign_ins(rp, rp_url: str, user, count: int) -> dict[str, float]:
    def one(_: int) -> float | None:
        started = time.perf_counter()
        try:
            landed = sign_in(requests.Session(), rp_url + "/login", user.username, user.password)
        except Exception:
            return None
        return (time.perf_counter() - started) * 1000 if landed.status_code == 302 else None

    cpu_before, started = _cpu_seconds(rp.pid), time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        latencies = list(pool.map(one, range(count)))
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds(rp.pid) - cpu_before
    succeeded = sorted(latency for latency in latencies if latency is not None)
    return {
        "rate": len(succeeded) / elapsed,
        "p50": statistics.median(succeeded),
        "p99": succeeded[min(len(succeeded) - 1, int(len(succeeded) * 0.99))],
        "cpu_ms": cpu * 1000 / count,
        "failures": count - len(succeeded),
    }


if __name__ == "__main__":
    sys.exit(main())
