"""Real servers for tests, on free loopback ports: started, waited for, and stopped by the tests.

A tool that is missing skips the test locally and fails it under CI (tests.support.tools).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from scripts.processes import free_port, stop, wait_for_port
from tests.support.tools import require_tool

__all__ = ["RedisServer", "free_port", "stop", "wait_for_port"]


class RedisServer:
    """A throw-away redis-server: no persistence, loopback only; can be killed and restarted on the same port."""

    def __init__(self, directory: Path, port: int | None = None):
        self.binary = require_tool("redis-server", "apt-get install redis-server")
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
