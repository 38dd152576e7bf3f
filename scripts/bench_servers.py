"""The servers a benchmark runs on loopback: the emulator (over HTTPS, optionally as far away as a real user pool)
and gunicorn.

Every app runs under gunicorn in one of two ways: `plain` (gunicorn's defaults: sync workers,
no configuration file, as `gunicorn -w N app` gives) or `project` (this project's
gunicorn.conf.py, with its worker class, logging and hooks).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from devidp import load_config
from scripts.https_front import Certificates, https_front, write_certificates
from scripts.latency_proxy import LatencyProxy
from scripts.processes import ROOT, free_port, start, stop

POOL = load_config()
CLIENT, USER = POOL.default_client, POOL.default_user
SECRET_KEY = "bench-" + "k" * 40


@dataclass
class Emulator:
    issuer_url: str
    domain_url: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer_url}/{POOL.pool_id}/.well-known/openid-configuration"


@dataclass
class Served:
    name: str
    url: str
    process: subprocess.Popen


@contextmanager
def emulator(work: Path, app_urls: list[str], certificates: Certificates, delay: float = 0.0) -> Iterator[Emulator]:
    """The demo pool over HTTPS (scripts/https_front.py, with `certificates`), its client registered for every one
    of `app_urls`; `delay` seconds added to each call, on the way to the HTTPS front."""
    callbacks = ", ".join(f'"{url}/oauth/v2/callback"' for url in app_urls)
    config = work / "pool.toml"
    config.write_text((ROOT / "devidp" / "pool.toml").read_text().replace(
        'callback_urls = ["http://localhost:5000/oauth/v2/callback"]', f"callback_urls = [{callbacks}]"))
    issuer_port, domain_port = free_port(), free_port()  # the emulator's own, plain HTTP
    https_issuer, https_domain = free_port(), free_port()
    with ExitStack() as stack:
        stack.enter_context(https_front(work, {https_issuer: issuer_port, https_domain: domain_port}, certificates))
        if delay:
            public_issuer, public_domain = free_port(), free_port()
            stack.enter_context(LatencyProxy(public_issuer, https_issuer, delay, work / "latency-issuer.log"))
            stack.enter_context(LatencyProxy(public_domain, https_domain, delay, work / "latency-domain.log"))
        else:
            public_issuer, public_domain = https_issuer, https_domain
        urls = Emulator(f"https://127.0.0.1:{public_issuer}", f"https://127.0.0.1:{public_domain}")
        process = start([sys.executable, "-m", "devidp", "--port", str(issuer_port), "--domain-port", str(domain_port),
                         "--issuer-base-url", urls.issuer_url, "--domain-url", urls.domain_url,
                         "--config", str(config), "--instance-path", str(work / "devidp")],
                        issuer_port, work / "devidp.log")
        try:
            yield urls
        finally:
            stop(process)


def trusted_certificates(work: Path) -> Certificates:
    """The HTTPS front's certificates, made in `work` and trusted by this process's HTTP clients (the benchmark's
    browsers) and by every server it starts from now on (requests reads REQUESTS_CA_BUNDLE)."""
    certificates = write_certificates(work)
    os.environ["REQUESTS_CA_BUNDLE"] = str(certificates.ca)
    return certificates


def app_env(idp: Emulator, app_url: str, work: Path, name: str, **extra: str) -> dict[str, str]:
    """What an app (this project's or the tutorial's) needs to sign in at the emulator."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "OIDC_DISCOVERY_URL": idp.discovery_url,
        "OIDC_CLIENT_ID": CLIENT.client_id,
        "OIDC_CLIENT_SECRET": CLIENT.client_secret,
        "APP_BASE_URL": app_url,
        "SESSION_STORE_URL": f"sqlite:///{work / (name + '-sessions.db')}",
        **extra,
    }


def gunicorn(work: Path, name: str, app: str, *, serving: str, workers: int, env: dict[str, str] | None = None,
             port: int | None = None) -> Served:
    """`app` (module:variable) under gunicorn on loopback, as `plain` sync workers or the `project` configuration."""
    port = port or free_port()
    if serving == "plain":
        command = ["-c", "/dev/null", "-w", str(workers), "-b", f"127.0.0.1:{port}", app]
    else:
        command = [app]
        env = {**(env or {}), "WEB_CONCURRENCY": str(workers), "BIND": f"127.0.0.1:{port}",
               "ACCESS_LOG": str(work / f"{name}-access.log")}
    process = start([sys.executable, "-m", "gunicorn", *command], port, work / f"{name}.log", env)
    return Served(name, f"http://localhost:{port}", process)


def stop_all(servers: list[Served]) -> None:
    for server in servers:
        stop(server.process)
