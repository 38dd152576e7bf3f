"""A TCP proxy on loopback that delivers what a client sends `delay` seconds late: the emulator, made as far away as
a real user pool (tens of milliseconds), for benchmarks of how a serving configuration waits on its IdP.

Like a network link, it delays every chunk by the same one-way latency from the moment it
arrived, so a request sent in two writes (headers, then the body, as requests sends a POST)
still arrives `delay` after it left, not twice that; answers come back at once. It runs in a
process of its own: in the benchmark's process its event loop would wait for the GIL behind
the benchmark's many client threads, and add latency nobody asked for.

    python -m scripts.latency_proxy PORT UPSTREAM_PORT DELAY_SECONDS
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from scripts.processes import start, stop


class LatencyProxy:
    """Forward 127.0.0.1:`port` to 127.0.0.1:`upstream_port`, `delay` seconds late, in a child process."""

    def __init__(self, port: int, upstream_port: int, delay: float, log: Path):
        self.port, self.upstream_port, self.delay, self.log = port, upstream_port, delay, log
        self._process = None

    def __enter__(self) -> LatencyProxy:
        self._process = start([sys.executable, "-m", "scripts.latency_proxy", str(self.port), str(self.upstream_port),
                               str(self.delay)], self.port, self.log)
        return self

    def __exit__(self, *exc_info: object) -> None:
        stop(self._process)


async def serve(port: int, upstream_port: int, delay: float) -> None:
    async def connection(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_delayed(client_reader, upstream_writer, delay),
                             _delayed(upstream_reader, client_writer, 0.0), return_exceptions=True)

    server = await asyncio.start_server(connection, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


async def _delayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy `reader` to `writer`, each chunk `delay` seconds after it arrived, in order."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await chunks.get()
            if not chunk:
                return
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(chunk)
            await writer.drain()

    delivering = asyncio.ensure_future(deliver())
    try:
        while True:
            chunk = await reader.read(65536)
            await chunks.put((loop.time() + delay, chunk))
            if not chunk:
                break
        await delivering
    finally:
        delivering.cancel()
        writer.close()


if __name__ == "__main__":
    listen_port, to_port, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    asyncio.run(serve(listen_port, to_port, seconds))
