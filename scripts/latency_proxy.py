"""A TCP proxy on loopback that holds every request `delay` seconds before passing it on: the emulator, made as far
away as a real user pool (tens of milliseconds), for benchmarks of how a serving configuration waits on its IdP.

Each chunk a client sends is delayed, then forwarded; answers come back at once. With HTTP
keep-alive a request is one chunk, so each IdP call costs the delay once.
"""

from __future__ import annotations

import asyncio
import threading


class LatencyProxy:
    """Forward 127.0.0.1:`port` to 127.0.0.1:`upstream_port`, `delay` seconds late, in a background thread."""

    def __init__(self, port: int, upstream_port: int, delay: float):
        self.port, self.upstream_port, self.delay = port, upstream_port, delay
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"latency-proxy-{port}")

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the latency proxy on port {self.port} did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(self._pipe(client_reader, upstream_writer, self.delay),
                             self._pipe(upstream_reader, client_writer, 0.0), return_exceptions=True)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
        try:
            while chunk := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()
