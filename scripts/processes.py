"""Servers as child processes on free loopback ports: started, waited for, stopped. Shared by scripts and tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:.0f} s")


def start(command: list[str], port: int, log: Path, env: dict[str, str] | None = None,
          timeout: float = 60) -> subprocess.Popen:
    """Run `command` from the project root with its output in `log`, once it listens on `port`."""
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout, process)
    except RuntimeError as error:
        stop(process)
        raise RuntimeError(f"{error}\n--- {log} ---\n{log.read_text()}") from None
    return process


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
