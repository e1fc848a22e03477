"""One-line JSON errors, and the request body limit."""

import asyncio
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.service import RPCError, RPCStatusCode

# Every body a client can send is small: a goal is bounded at 32 KiB, a decision far less.
MAX_BODY_BYTES = 64 * 1024
BODY_READ_SECONDS = 10.0  # the longest pause between a body's chunks


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def install_error_handlers(api: FastAPI) -> None:
    async def api_error(_: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, ApiError)
        return error_response(err.status, err.message)

    async def invalid(_: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, RequestValidationError)
        first: dict[str, Any] = err.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        return error_response(422, f"{where or 'body'}: {first.get('msg', 'invalid')}")

    async def temporal_error(_: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, RPCError)
        if err.status in UNREACHABLE:
            return error_response(503, f"Temporal is unreachable: {_first_line(err)}")
        return error_response(502, f"Temporal refused the request: {_first_line(err)}")

    async def unexpected(_: Request, err: Exception) -> JSONResponse:
        logging.getLogger("relay.service").exception("request failed")
        return error_response(500, f"internal error: {type(err).__name__}")

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(RequestValidationError, invalid)
    api.add_exception_handler(RPCError, temporal_error)
    api.add_exception_handler(Exception, unexpected)


UNREACHABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return (text.splitlines()[0] if text else type(err).__name__)[:300]


class BodyLimit:
    """Reads a request body whole before the app sees it: over `limit` bytes (by its
    Content-Length, or as a chunked body streams in) it is refused with 413, and a body that
    stalls for BODY_READ_SECONDS between chunks with 408; nothing past the limit is read."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(413, f"request body over {self.limit} bytes", scope, receive, send)
            return
        chunks: list[bytes] = []
        seen, more = 0, True
        while more:
            try:
                message = await asyncio.wait_for(receive(), BODY_READ_SECONDS)
            except TimeoutError:
                why = f"the request body stalled for {BODY_READ_SECONDS:g} s"
                await self._refuse(408, why, scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                await self._refuse(
                    413, f"request body over {self.limit} bytes", scope, receive, send
                )
                return
            more = message.get("more_body", False)
        await self.app(scope, _replaying(b"".join(chunks), receive), send)

    async def _refuse(
        self, status: int, message: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response = error_response(status, message)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body, already read, as the app's first message; then the client's own (a
    disconnect, which streaming responses wait for)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
