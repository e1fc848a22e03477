"""uvicorn's HTTP/1.1 protocol with a deadline for a request's headers: a client that opens a
connection and trickles its headers (slowloris) is cut off, instead of holding the connection
for as long as it likes. Bodies have their own deadline (errors.BodyLimit)."""

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_READ_SECONDS = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._headers_due = self.loop.call_later(HEADER_READ_SECONDS, self._headers_overdue)

    def _headers_overdue(self) -> None:
        # `cycle` is set once a request's headers have all arrived.
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_due.cancel()
        super().connection_lost(exc)
