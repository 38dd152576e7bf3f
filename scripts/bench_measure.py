"""Measuring served apps: wrk rounds interleaved across endpoints, CPU time from /proc, full sign-ins.

Rounds are short and interleaved (every endpoint once per round), so a slow spell of this
shared machine falls on every endpoint alike; requests/s and CPU are totals over all rounds.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from devidp.driver import sign_in

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    headers: dict[str, str]
    #: The gunicorn master whose processes serve it (for CPU time).
    master_pid: int


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    p50s: list[float] | None = None
    p99s: list[float] | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        """CPU time of the serving processes per request, microseconds."""
        return self.cpu_seconds * 1e6 / self.requests

    @property
    def p50(self) -> float:
        return statistics.median(self.p50s)

    @property
    def p99(self) -> float:
        return statistics.median(self.p99s)


def interleaved(endpoints: list[Endpoint], rounds: int, seconds: int, connections: int) -> dict[str, Result]:
    """wrk on each endpoint in turn, `rounds` times; after one warm-up pass per endpoint."""
    for endpoint in endpoints:
        wrk(endpoint, 1, connections)
    results = {endpoint.name: Result(p50s=[], p99s=[]) for endpoint in endpoints}
    for _ in range(rounds):
        for endpoint in endpoints:
            cpu_before = cpu_seconds(endpoint.master_pid)
            run = wrk(endpoint, seconds, connections)
            result = results[endpoint.name]
            result.cpu_seconds += cpu_seconds(endpoint.master_pid) - cpu_before
            result.requests += run["requests"]
            result.seconds += run["requests"] / run["rps"]
            result.p50s.append(run["p50"])
            result.p99s.append(run["p99"])
    return results


def wrk(endpoint: Endpoint, seconds: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", endpoint.url]
    for name, value in endpoint.headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{endpoint.name}: {errors.group(1)} error responses under load\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
    }


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * _UNITS[unit]


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU of a gunicorn master and its workers, from /proc."""
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


@dataclass
class SignIns:
    count: int
    failures: int
    seconds: float
    cpu_seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return (self.count - self.failures) / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.count

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)


def sign_ins(app_url: str, master_pid: int, username: str, password: str, count: int, parallel: int,
             then: Callable[[requests.Session], None] | None = None) -> SignIns:
    """`count` full sign-ins (app /login, the emulator's hosted UI, the app's callback), `parallel` at a time."""

    def one(_: int) -> float | None:
        started = time.perf_counter()
        try:
            with requests.Session() as browser:
                landed = sign_in(browser, app_url + "/login", username, password)
                if landed.status_code != 302:
                    return None
                if then:
                    then(browser)
        except Exception:  # a failed sign-in is counted, whatever failed
            return None
        return (time.perf_counter() - started) * 1000

    cpu_before, started = cpu_seconds(master_pid), time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        latencies = list(pool.map(one, range(count)))
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(master_pid) - cpu_before
    succeeded = [latency for latency in latencies if latency is not None]
    return SignIns(count, count - len(succeeded), elapsed, cpu, succeeded or [float("nan")])


def steady_sign_in_rate(app_url: str, username: str, password: str, parallel: int, seconds: float,
                        warm_up: float) -> tuple[float, int]:
    """Sign-ins/s of `parallel` people signing in one after another for `seconds`, and the failures.

    Each person starts the next sign-in as soon as one ends (a closed loop), so the server always
    has `parallel` under way; completions are counted after `warm_up` seconds only, when the
    pipeline is full, and the rate is not cut by a batch's slowest sign-in.
    """
    started = time.perf_counter()
    counting_from, deadline = started + warm_up, started + warm_up + seconds
    completions: list[float] = []
    failures = [0]

    def person() -> None:
        while time.perf_counter() < deadline:
            try:
                with requests.Session() as browser:
                    ok = sign_in(browser, app_url + "/login", username, password).status_code == 302
            except Exception:  # a failed sign-in is counted, whatever failed
                ok = False
            finished = time.perf_counter()
            if counting_from <= finished <= deadline:
                if ok:
                    completions.append(finished)
                else:
                    failures[0] += 1

    with ThreadPoolExecutor(parallel) as pool:
        for _ in range(parallel):
            pool.submit(person)
    return len(completions) / seconds, failures[0]


def merged(runs: list[SignIns]) -> SignIns:
    """Batches of one app's sign-ins as one measurement."""
    return SignIns(sum(run.count for run in runs), sum(run.failures for run in runs),
                   sum(run.seconds for run in runs), sum(run.cpu_seconds for run in runs),
                   [latency for run in runs for latency in run.latencies_ms])
