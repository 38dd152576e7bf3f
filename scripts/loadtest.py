"""`make loadtest`: two app instances sharing Redis, under load and under faults, with figures printed.

Everything runs on loopback: a redis-server, the local Cognito emulator, and instances A
and B of the app under gunicorn, both configured for A's public URL as they would be
behind one load balancer (cookies ignore ports, so A and B share the browser's cookie).

- load:      N concurrent full sign-ins, each starting on one instance and finishing on
             the other; then every session must be readable on both. Prints sign-ins/s, p99.
- redis:     sign-ins and API calls keep going while Redis is killed and restarted:
             503s during the outage, no 500, sign-ins succeed again afterwards.
- idp:       the same while the emulator (the IdP) is killed and restarted.
- flood:     10,000 /login requests without cookies (a bot starting sign-ins it never
             finishes): the store holds as many entries after as before, and a real sign-in
             still works. Bounded in count and in time (--flood-seconds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devidp import load_config  # noqa: E402  (the load test drives the emulator; the app never imports it)
from devidp.driver import SignInFailed, sign_in  # noqa: E402
from scripts.processes import free_port, start, stop  # noqa: E402

USER = load_config().default_user


@dataclass
class Cluster:
    work: Path
    redis_port: int
    idp_port: int  # the emulator's issuer origin; its hosted UI and /oauth2/* are on idp_domain_port
    idp_domain_port: int
    a_url: str
    b_url: str
    redis: object = None
    idp: object = None
    instances: tuple = ()

    def start_redis(self) -> None:
        # Append-only with fsync on every write: a killed Redis comes back with every session.
        self.redis = start(["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.work)],
                           self.redis_port, self.work / "redis.log")

    def start_idp(self) -> None:
        self.idp = start([sys.executable, "-m", "devidp", "--port", str(self.idp_port), "--domain-port",
                          str(self.idp_domain_port), "--config", str(self.work / "pool.toml"), "--instance-path",
                          str(self.work / "devidp")], self.idp_port, self.work / "devidp.log")


def make_cluster(work: Path) -> Cluster:
    pool = load_config()
    client = pool.default_client
    a_port, b_port = free_port(), free_port()
    # On localhost: Cognito, and so the emulator, allows plain http callbacks only there.
    cluster = Cluster(work, free_port(), free_port(), free_port(), f"http://localhost:{a_port}",
                      f"http://localhost:{b_port}")
    (work / "pool.toml").write_text((ROOT / "devidp" / "pool.toml").read_text()
                                    .replace("http://localhost:5000", cluster.a_url))
    cluster.start_redis()
    cluster.start_idp()
    env = {
        "SECRET_KEY": "loadtest-" + "k" * 40,
        "OIDC_DISCOVERY_URL": f"http://127.0.0.1:{cluster.idp_port}/{pool.pool_id}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": client.client_id,
        "OIDC_CLIENT_SECRET": client.client_secret,
        "APP_BASE_URL": cluster.a_url,
        "SESSION_STORE_URL": f"redis://127.0.0.1:{cluster.redis_port}/0",
        "OIDC_HTTP_TIMEOUT": "3",
        "WEB_CONCURRENCY": "2",
        "ACCESS_LOG": "/dev/null",
    }
    cluster.instances = tuple(
        start([sys.executable, "-m", "gunicorn", "wsgi:app"], port, work / f"rp-{name}.log",
              {**env, "BIND": f"127.0.0.1:{port}"})
        for name, port in (("a", a_port), ("b", b_port))
    )
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    for process in (*cluster.instances, cluster.idp, cluster.redis):
        if process is not None:
            stop(process)


def one_sign_in(start_url: str, callback_base: str) -> tuple[requests.Session | None, float, str]:
    """A fresh browser's sign-in; (its cookies, milliseconds, outcome)."""
    browser, started = requests.Session(), time.perf_counter()
    try:
        landed = sign_in(browser, start_url, USER.username, USER.password, callback_base=callback_base)
        outcome = "ok" if landed.status_code == 302 else f"HTTP {landed.status_code}"
    except SignInFailed as error:
        outcome = f"HTTP {error.status}"
    except requests.RequestException as error:
        outcome = type(error).__name__
    elapsed = (time.perf_counter() - started) * 1000
    return (browser if outcome == "ok" else None), elapsed, outcome


def run_load(cluster: Cluster, count: int) -> bool:
    urls = (cluster.a_url, cluster.b_url)
    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(lambda i: one_sign_in(urls[i % 2] + "/login", urls[(i + 1) % 2]), range(count)))
    elapsed = time.perf_counter() - started
    outcomes = Counter(outcome for _, _, outcome in results)
    latencies = sorted(ms for _, ms, outcome in results if outcome == "ok")
    browsers = [browser for browser, _, _ in results if browser is not None]
    unreadable = sum(
        1 for browser in browsers for url in urls
        if browser.get(url + "/api/me", timeout=10).json().get("username") != USER.username
    )
    print(f"{count} concurrent sign-ins over two instances sharing Redis (start on one, callback on the other):")
    print(f"  outcomes: {dict(outcomes)}")
    print(f"  {len(latencies) / elapsed:.1f} sign-ins/s, p50 {statistics.median(latencies):.0f} ms, "
          f"p99 {latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]:.0f} ms")
    print(f"  sessions readable on both instances: {2 * len(browsers) - unreadable} of {2 * len(browsers)}; "
          f"lost: {unreadable}")
    return outcomes["ok"] == count and unreadable == 0


def run_fault(cluster: Cluster, target: str, seconds: float = 12.0) -> bool:
    """Traffic for `seconds`; the target is killed at a quarter and restarted at half time."""
    urls = (cluster.a_url, cluster.b_url)
    keeper, _, outcome = one_sign_in(cluster.a_url + "/login", cluster.b_url)
    assert keeper is not None, f"the first sign-in failed: {outcome}"
    phases: dict[str, Counter] = {"before": Counter(), "outage": Counter(), "after": Counter()}
    phase = ["before"]
    done = threading.Event()

    def traffic(worker: int) -> None:
        while not done.is_set():
            current = phase[0]
            if worker % 2:
                _, _, outcome = one_sign_in(urls[worker % 2] + "/login", urls[(worker + 1) % 2])
                phases[current][f"sign-in {outcome}"] += 1
            else:
                try:
                    status = keeper.get(urls[worker // 2 % 2] + "/api/me", timeout=10).status_code
                    phases[current][f"/api/me {status}"] += 1
                except requests.RequestException as error:
                    phases[current][f"/api/me {type(error).__name__}"] += 1
                time.sleep(0.02)

    threads = [threading.Thread(target=traffic, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 4)
    phase[0] = "outage"
    if target == "redis":
        cluster.redis.kill()
        cluster.redis.wait()
    else:
        cluster.idp.kill()
        cluster.idp.wait()
    time.sleep(seconds / 4)
    cluster.start_redis() if target == "redis" else cluster.start_idp()
    phase[0] = "after"
    time.sleep(seconds / 2)
    done.set()
    for thread in threads:
        thread.join()

    label = "Redis" if target == "redis" else "the IdP (emulator)"
    print(f"{label} killed after {seconds / 4:.0f} s and restarted {seconds / 4:.0f} s later, under 8 clients:")
    for name, counts in phases.items():
        print(f"  {name:7} {dict(sorted(counts.items()))}")
    all_counts = sum(phases.values(), Counter())
    server_errors = sum(n for key, n in all_counts.items() if key.endswith(" 500") or "HTTP 500" in key)
    recovered = phases["after"]["sign-in ok"] > 0
    keeper_kept = keeper.get(cluster.b_url + "/api/me", timeout=10).status_code == 200
    print(f"  500 answers: {server_errors}; sign-ins after the restart: {phases['after']['sign-in ok']}; "
          f"the session signed in before the fault is still valid: {keeper_kept}")
    return server_errors == 0 and recovered and keeper_kept


def run_flood(cluster: Cluster, count: int, seconds: float) -> bool:
    """`count` cookieless /login requests over both instances, stopping early after `seconds`."""
    store = redis.Redis(port=cluster.redis_port)
    before = store.dbsize()
    deadline = time.monotonic() + seconds
    local = threading.local()
    urls = (cluster.a_url, cluster.b_url)

    def login(n: int) -> str:
        if time.monotonic() > deadline:
            return "not sent (time is up)"
        if not hasattr(local, "browser"):
            local.browser = requests.Session()
        try:
            status = local.browser.get(urls[n % 2] + "/login", allow_redirects=False, timeout=10).status_code
        except requests.RequestException as error:
            return type(error).__name__
        finally:
            local.browser.cookies.clear()  # every request comes from a fresh cookie jar
        return f"HTTP {status}"

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        outcomes = Counter(pool.map(login, range(count)))
    elapsed = time.perf_counter() - started
    after = store.dbsize()
    _, _, signed_in = one_sign_in(cluster.a_url + "/login", cluster.b_url)
    print(f"{count} cookieless /login requests over two instances sharing Redis:")
    print(f"  outcomes: {dict(outcomes)}; {sum(outcomes.values()) / elapsed:.0f} requests/s")
    print(f"  store entries before: {before}, after: {after}; a sign-in afterwards: {signed_in}")
    return outcomes["HTTP 302"] == count and after <= before and signed_in == "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="load, redis, idp and/or flood (default: all four)")
    parser.add_argument("--sign-ins", type=int, default=200)
    parser.add_argument("--logins", type=int, default=10_000, help="cookieless /login requests of the flood")
    parser.add_argument("--flood-seconds", type=float, default=300, help="the flood stops sending after this")
    args = parser.parse_args()
    unknown = set(args.scenarios) - {"load", "redis", "idp", "flood"}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    verdicts = {}
    with tempfile.TemporaryDirectory() as tmp:
        cluster = make_cluster(Path(tmp))
        try:
            for scenario in args.scenarios or ["load", "redis", "idp", "flood"]:
                print()
                if scenario == "load":
                    verdicts[scenario] = run_load(cluster, args.sign_ins)
                elif scenario == "flood":
                    verdicts[scenario] = run_flood(cluster, args.logins, args.flood_seconds)
                else:
                    verdicts[scenario] = run_fault(cluster, scenario)
        finally:
            stop_cluster(cluster)
    print()
    for scenario, met in verdicts.items():
        print(f"{'PASS' if met else 'FAIL'} {scenario}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
