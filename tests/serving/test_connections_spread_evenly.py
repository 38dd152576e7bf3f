"""Under gevent workers, keep-alive connections spread evenly over the workers (app/connection_balance.py).

Each worker accepts for itself, so without the rule connections opened at once could land 3-1 or
4-0 on two workers and stay there. The rule: a worker accepts only while no other holds fewer.
"""

from __future__ import annotations

import collections
import os
import signal
import socket
import time

import gevent
import gevent.event
import gevent.pool
import gevent.socket
import pytest

from app.connection_balance import RECHECK, ConnectionCounts, balanced_stream_server
from scripts.processes import stop
from tests.serving.gunicorn_probe import serve_probe_app
from tests.serving.test_connections_take_turns import REQUEST, read_answer

ROUNDS = 10


class FakeWorker:
    """What the master's hooks see of a worker: an object they may tag."""


# The rule, in one process: this worker in slot 1, another worker's count set by hand in slot 0 ---------

def eventually(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        gevent.sleep(RECHECK)
    return condition()


@pytest.fixture
def balanced_server():
    """make(patience) -> (counts, connections held, connect(), release): a balanced server in slot 1."""
    made = []

    def make(patience: float = 60.0):
        counts = ConnectionCounts(slots=2)
        counts.set(0, 0)
        listener = gevent.socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        held: list[gevent.socket.socket] = []
        release = gevent.event.Event()

        def handle(connection, address):
            held.append(connection)
            release.wait()

        server = balanced_stream_server(counts, 1, patience)(listener, handle=handle, spawn=gevent.pool.Pool(100))
        server.start()
        clients: list[gevent.socket.socket] = []
        made.append((server, clients, release))
        return counts, held, lambda: clients.append(gevent.socket.create_connection(listener.getsockname())), release

    yield make
    for server, clients, release in made:
        release.set()
        server.stop()
        for client in clients:
            client.close()


def test_a_worker_leaves_a_new_connection_to_one_that_holds_fewer(balanced_server):
    counts, held, connect, _ = balanced_server()
    connect()
    assert eventually(lambda: len(held) == 1), "both hold none: this worker takes the first"
    connect()
    gevent.sleep(0.2)
    assert len(held) == 1, "the other worker holds none, this one holds one: the second is left to it"
    counts.set(0, 1)
    assert eventually(lambda: len(held) == 2), "once the other holds as many, this one takes its turn"


def test_a_connection_the_other_worker_leaves_waiting_is_taken_after_all(balanced_server):
    counts, held, connect, _ = balanced_server(patience=0.05)
    connect()
    assert eventually(lambda: len(held) == 1)
    connect()  # the other worker, said to hold none, never takes it (its event loop is held)
    assert eventually(lambda: len(held) == 2, timeout=2.0)


def test_the_count_follows_connections_opening_and_closing(balanced_server):
    counts, held, connect, release = balanced_server()
    connect()
    assert eventually(lambda: not counts.fewer_elsewhere(0, 1)), "the other worker sees that this one holds one"
    release.set()  # the connection's handler returns
    assert eventually(lambda: counts.fewer_elsewhere(0, 1)), "and then that it holds none"


# The master's bookkeeping --------------------------------------------------------------------------

def test_each_worker_gets_a_slot_of_its_own_and_a_slot_is_reused_once_its_worker_exits():
    counts = ConnectionCounts(slots=2)
    first, second, third = FakeWorker(), FakeWorker(), FakeWorker()
    counts.assign(first)
    counts.assign(second)
    assert {first.connection_slot, second.connection_slot} == {0, 1}
    counts.assign(third)
    assert third.connection_slot is None, "no slot left: that worker accepts as gunicorn alone would"
    counts.set(first.connection_slot, 5)
    counts.release(first)
    assert not counts.fewer_elsewhere(second.connection_slot, 1), "an exited worker's count is nobody's"
    counts.assign(third)
    assert third.connection_slot == first.connection_slot


# Real gunicorn, two gevent workers -----------------------------------------------------------------

@pytest.fixture
def two_gevent_workers(tmp_path):
    port, process = serve_probe_app(tmp_path / "gunicorn.log", "-k", "gevent", workers=2)
    yield port, process
    stop(process)


def spread_of_connections_opened_at_once(port: int, count: int = 4) -> list[int]:
    """Open `count` connections together, then ask on each which worker serves it: connections per worker."""
    connections = []
    for _ in range(count):
        connection = socket.socket()
        connection.setblocking(False)
        try:
            connection.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        connections.append(connection)
    time.sleep(0.05)  # all four wait to be accepted
    try:
        for connection in connections:
            connection.setblocking(True)
            connection.sendall(REQUEST)
        workers = collections.Counter(read_answer(connection, bytearray())["pid"] for connection in connections)
    finally:
        for connection in connections:
            connection.close()
    time.sleep(0.05)  # both workers see them closed
    return sorted(workers.values(), reverse=True)


def test_both_workers_take_connections_in_turn(two_gevent_workers):
    port, _ = two_gevent_workers
    assert all(answer["balanced"] for answer in wait_for_workers(port, 2).values())


def test_four_connections_opened_at_once_land_two_on_each_worker(two_gevent_workers):
    """A worker that does not wake within PATIENCE leaves its share to the other: at most one round in ten."""
    port, _ = two_gevent_workers
    wait_for_workers(port, 2)
    spreads = [spread_of_connections_opened_at_once(port) for _ in range(ROUNDS)]
    assert spreads.count([2, 2]) >= ROUNDS - 1, spreads


def test_a_worker_started_again_takes_its_share(two_gevent_workers):
    port, _ = two_gevent_workers
    wait_for_workers(port, 2)
    with socket.create_connection(("127.0.0.1", port)) as probe:
        probe.sendall(REQUEST)
        killed = read_answer(probe, bytearray())["pid"]
    os.kill(killed, signal.SIGKILL)
    assert killed not in wait_for_workers(port, 2), "the master started another worker"
    assert spread_of_connections_opened_at_once(port) == [2, 2]


def wait_for_workers(port: int, count: int, timeout: float = 30.0) -> dict[int, dict]:
    """Each of the `count` workers serving on `port`, by pid, with its last answer, once each has answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = {}
        for _ in range(4 * count):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                    connection.sendall(REQUEST)
                    answer = read_answer(connection, bytearray())
                    answers[answer["pid"]] = answer
            except OSError:
                pass
        if len(answers) == count:
            time.sleep(0.1)  # the workers see the probes' connections closed
            return answers
        time.sleep(0.2)
    raise AssertionError(f"{count} workers did not all answer within {timeout:.0f} s")
