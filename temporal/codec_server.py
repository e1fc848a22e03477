"""The remote codec endpoint for the Temporal Web UI and `temporal ... --codec-endpoint`:
POST /encode and /decode with `{"payloads": [...]}` in Temporal's JSON form. CORS admits the
Web UI's origin; with RELAY_CODEC_TOKEN set, requests need `Authorization: Bearer TOKEN`."""

import asyncio
import hmac
import json
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from relay.temporal.codec import CodecKeyError

MAX_BODY_BYTES = 8 * 1024 * 1024


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def make_handler(
    codec: PayloadCodec, allowed_origin: str, token: str | None
) -> type[BaseHTTPRequestHandler]:
    actions: dict[str, Callable[[Sequence[Payload]], Awaitable[list[Payload]]]] = {
        "encode": codec.encode,
        "decode": codec.decode,
    }

    class CodecHandler(BaseHTTPRequestHandler):
        def do_OPTIONS(self) -> None:  # CORS preflight: never needs the token
            self._reply(HTTPStatus.NO_CONTENT, b"")

        def do_POST(self) -> None:
            # The UI may put the endpoint under a path prefix: the last segment decides.
            action = actions.get(urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1])
            if action is None:
                return self._error(HTTPStatus.NOT_FOUND, "POST /encode or /decode")
            if token is not None and not _bearer_matches(
                self.headers.get("Authorization", ""), token
            ):
                return self._error(HTTPStatus.UNAUTHORIZED, "a valid bearer token is needed")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the body is too large")
            try:
                payloads = json_format.Parse(self.rfile.read(length), Payloads())
                # A request thread of its own: the codec's coroutine runs on a loop of its own.
                out = Payloads(payloads=asyncio.run(action(list(payloads.payloads))))
            except (json_format.ParseError, CodecKeyError, ValueError, zlib.error) as err:
                return self._error(HTTPStatus.BAD_REQUEST, str(err))
            self._reply(HTTPStatus.OK, json_format.MessageToJson(out).encode())

        def _error(self, status: HTTPStatus, message: str) -> None:
            self._reply(status, json.dumps({"error": message}).encode())

        def _reply(self, status: HTTPStatus, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Access-Control-Allow-Origin", allowed_origin)
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header(
                "Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization"
            )
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # request lines carry no payloads, but nothing here needs them either

    return CodecHandler


@contextmanager
def codec_server(
    codec: PayloadCodec, port: int, allowed_origin: str, token: str | None = None
) -> Iterator[ThreadingHTTPServer]:
    """Serve on 127.0.0.1:port in a background thread for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(codec, allowed_origin, token))
    thread = threading.Thread(target=server.serve_forever, name="codec-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


async def serve_until_cancelled(
    codec: PayloadCodec, port: int, allowed_origin: str, token: str | None
) -> None:
    with codec_server(codec, port, allowed_origin, token):
        await asyncio.Event().wait()


def _bearer_matches(header: str, token: str) -> bool:
    """`Authorization: Bearer TOKEN`; the scheme is case-insensitive (RFC 7235), the token not."""
    scheme, _, given = header.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
