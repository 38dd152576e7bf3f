"""Under gevent workers, one connection that always has its next request waiting cannot hold the worker.

gevent's recv returns at once when data is there, so a keep-alive connection whose next request
has already arrived would be served again and again without the worker's event loop running:
the other connections wait (the 99th-percentile stalls of hundreds of ms `make bench` showed).
gunicorn.conf.py's post_request hook makes them take turns. Shown without timing: 200 requests
pipelined on one connection, then one on another; the probe app numbers the requests its only
worker serves, and the second connection's must come long before the 200 are done (without the
hook it came last, as request 203).
"""

from __future__ import annotations

import json
import socket

from scripts.processes import stop
from tests.serving.gunicorn_probe import serve_probe_app

PIPELINED = 200
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def read_answer(connection: socket.socket, buffered: bytearray) -> dict:
    """One HTTP answer from `connection` (Content-Length framed), leaving what follows in `buffered`."""
    while b"\r\n\r\n" not in buffered:
        buffered += connection.recv(65536)
    head, _, rest = bytes(buffered).partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(rest) < length:
        rest += connection.recv(65536)
    buffered[:] = rest[length:]
    return json.loads(rest[:length])


def test_a_connection_is_served_while_another_has_hundreds_of_requests_waiting(tmp_path):
    port, process = serve_probe_app(tmp_path / "gunicorn.log", "-k", "gevent")
    try:
        with socket.create_connection(("127.0.0.1", port)) as busy, socket.create_connection(("127.0.0.1", port)) as other:
            busy_buffer, other_buffer = bytearray(), bytearray()
            for connection, buffered in ((busy, busy_buffer), (other, other_buffer)):  # both accepted and warm
                connection.sendall(REQUEST)
                read_answer(connection, buffered)
            busy.sendall(REQUEST * PIPELINED)
            first = read_answer(busy, busy_buffer)["served"]  # the busy connection's greenlet is at work
            other.sendall(REQUEST)
            turn = read_answer(other, other_buffer)["served"]
            served_on_busy = [first] + [read_answer(busy, busy_buffer)["served"] for _ in range(PIPELINED - 1)]
    finally:
        stop(process)
    assert sorted([*served_on_busy, turn]) == list(range(3, PIPELINED + 4)), "every request served once, in turn"
    assert turn < 3 + PIPELINED // 4, f"the other connection waited for the busy one: served as request {turn}"
