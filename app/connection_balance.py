"""Keep-alive connections spread evenly over gunicorn's gevent workers.

Each gevent worker accepts connections for itself on the shared socket, and a keep-alive
connection stays with the worker that accepted it. Four connections opened at once land 2-2,
3-1 or 4-0 on two workers, anew every time (docs/example-app.md, Benchmarks), and a worker
holding three of them is the bottleneck while the other idles: less throughput and a longer
tail wherever few connections carry the load (a reverse proxy's pool of upstream connections,
a load test). The kernel cannot help: it hands a connection to whichever worker asks first.

Here every worker writes how many connections it holds into an array shared by all of them
(made in the master, before the workers fork), and accepts a new connection only while no other
worker holds fewer. The worker holding the fewest always accepts, so a connection never waits
for long: one that holds more stops accepting, and looks again when one of its connections
closes or after RECHECK seconds. A connection the worker holding fewer has not taken within
PATIENCE seconds (its event loop is held by a long request) is taken by the next worker that
looks.
"""

from __future__ import annotations

import ctypes
import heapq
import multiprocessing
import time
from collections.abc import Callable
from typing import Any

#: Workers that can run at once (gunicorn's TTIN signal adds workers); each has a slot of the array.
SLOTS = 64
#: Seconds after which a worker that stopped accepting (others held fewer) looks again.
RECHECK = 0.002
#: Seconds a connection is left to the worker holding fewer: if that one is busy (a long request
#: holds its event loop), the connection is taken here after all.
PATIENCE = 0.02
_NO_WORKER = -1


class ConnectionCounts:
    """The connections each worker holds, in memory shared by the master and every worker it forks."""

    def __init__(self, slots: int = SLOTS):
        self._counts = multiprocessing.RawArray(ctypes.c_int, [_NO_WORKER] * slots)
        self._free_slots = list(range(slots))  # the master's own bookkeeping

    # In the master ---------------------------------------------------------------------

    def assign(self, worker: Any) -> None:
        """Before `worker` forks: a slot of its own, or none when all are taken (it then accepts freely)."""
        worker.connection_slot = heapq.heappop(self._free_slots) if self._free_slots else None
        if worker.connection_slot is not None:
            self._counts[worker.connection_slot] = 0

    def release(self, worker: Any) -> None:
        """After `worker` exited: its slot counts for nobody."""
        slot = getattr(worker, "connection_slot", None)
        if slot is not None:
            self._counts[slot] = _NO_WORKER
            heapq.heappush(self._free_slots, slot)

    # In a worker -----------------------------------------------------------------------

    def set(self, slot: int, connections: int) -> None:
        self._counts[slot] = connections

    def fewer_elsewhere(self, slot: int, connections: int) -> bool:
        """Whether another worker holds fewer than `connections`."""
        return any(_NO_WORKER < count < connections for index, count in enumerate(self._counts) if index != slot)


def balanced_stream_server(counts: ConnectionCounts, slot: int, patience: float = PATIENCE) -> type:
    """gevent's StreamServer for the worker in `slot`: it counts its connections and accepts its share."""
    from gevent.server import StreamServer

    class BalancedStreamServer(StreamServer):
        def do_handle(self, *args: Any) -> None:
            super().do_handle(*args)  # the connection's greenlet is in the pool from now on
            counts.set(slot, len(self.pool))

        def set_handle(self, handle: Callable[..., Any]) -> None:
            def counted(*args: Any) -> Any:
                try:
                    return handle(*args)
                finally:
                    counts.set(slot, len(self.pool) - 1)  # the greenlet leaves the pool once this returns

            super().set_handle(counted)

        def set_spawn(self, spawn: Any) -> None:
            super().set_spawn(spawn)
            pool_full, recheck = self.full, None
            refusing_since = last_refusal = 0.0

            def full() -> bool:
                """Called before each accept (gevent's BaseServer): True leaves the waiting connection."""
                nonlocal recheck, refusing_since, last_refusal
                if pool_full():
                    return True
                if not counts.fewer_elsewhere(slot, len(self.pool)):
                    return False
                now = time.monotonic()
                if now - last_refusal > 2 * RECHECK:  # not the connection this worker left a moment ago
                    refusing_since = now
                last_refusal = now
                if now - refusing_since >= patience:  # the worker holding fewer has not taken it: busy
                    return False
                recheck = recheck or self.loop.timer(RECHECK)
                if not recheck.active:  # the server stops accepting now: look again soon
                    recheck.start(self._start_accepting_if_started)
                return True

            self.full = full

    return BalancedStreamServer


def install(counts: ConnectionCounts, worker: Any) -> None:
    """In a gevent worker after the fork: its servers (made in GeventWorker.run) are balanced ones."""
    from gunicorn.workers import ggevent

    if getattr(worker, "connection_slot", None) is not None and isinstance(worker, ggevent.GeventWorker):
        ggevent.StreamServer = balanced_stream_server(counts, worker.connection_slot)
