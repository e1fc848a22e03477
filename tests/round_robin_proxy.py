"""A tiny TCP load balancer for tests: each new connection goes to the next backend in turn,
and `served` records which one (by index) took each connection."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from relay.temporal.devserver import free_port


class RoundRobinProxy:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self._backends = backends
        self.served: list[int] = []
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(self.served) % len(self._backends)
        self.served.append(index)
        host, port = self._backends[index]
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["RoundRobinProxy"]:
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        async with server:
            yield self
