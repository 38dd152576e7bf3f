"""The benchmarks' far-away IdP: each chunk arrives one fixed delay after it was sent, never that delay twice."""

from __future__ import annotations

import socket
import threading
import time

from scripts.latency_proxy import LatencyProxy
from scripts.processes import free_port

DELAY = 0.2


def echo_server() -> int:
    listener = socket.create_server(("127.0.0.1", 0))

    def echo(connection: socket.socket) -> None:
        while data := connection.recv(65536):
            connection.sendall(data)

    def serve() -> None:
        while True:
            threading.Thread(target=echo, args=(listener.accept()[0],), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_a_request_sent_in_two_writes_arrives_one_delay_late(tmp_path):
    port = free_port()
    with LatencyProxy(port, echo_server(), DELAY, tmp_path / "proxy.log"):
        with socket.create_connection(("127.0.0.1", port)) as connection:
            sent = time.perf_counter()
            connection.sendall(b"headers")
            time.sleep(DELAY / 4)
            connection.sendall(b"body")  # as requests sends a POST
            received = b""
            while len(received) < len(b"headersbody"):
                received += connection.recv(65536)
            took = time.perf_counter() - sent
    assert received == b"headersbody"
    assert DELAY <= took < DELAY * 1.75, f"{took * 1000:.0f} ms for a {DELAY * 1000:.0f} ms link"
