"""The FastAPI application `relay serve` runs. It keeps no state of its own (everything lives
in Temporal), so any number of replicas behind a load balancer behave as one."""

import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib.resources import files
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from temporalio.client import Client
from temporalio.service import RPCError

from relay.app import App
from relay.service import approvals_api, events_api, goals_api, memories_api, threads_api
from relay.service.errors import BodyLimit, error_response, install_error_handlers
from relay.service.http_protocol import HeaderDeadlineProtocol
from relay.service.identities import Identities, Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.service.waiting_agents import app_queues
from relay.settings import Settings
from relay.temporal.connect import connect_client

INBOX_PAGE = files("relay.service").joinpath("inbox.html")
READY_CHECK_SECONDS = 3.0


def http_server(api: FastAPI, host: str, port: int) -> uvicorn.Server:
    """How relay serves the API (`relay serve`, `relay demo --inbox`): quiet access logs,
    deadlines for headers (HeaderDeadlineProtocol) and bodies (BodyLimit), short keep-alive."""
    return uvicorn.Server(
        uvicorn.Config(
            api,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            http=HeaderDeadlineProtocol,
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=16 * 1024,  # request line and headers, at most
        )
    )


def _inbox_headers(page: str) -> dict[str, str]:
    """The inbox page runs only its own inline script and style (by hash), in no frame."""
    script = _inline_hash(page, "script")
    style = _inline_hash(page, "style")
    policy = (
        f"default-src 'none'; script-src '{script}'; style-src '{style}'; "
        "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


def _inline_hash(page: str, tag: str) -> str:
    body = page.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]
    return "sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()


def approval_secret(settings: Settings) -> str:
    """The secret the service signs decisions with; a ValueError in one line without it."""
    if settings.approval_secret is None:
        raise ValueError(
            "relay serve signs decisions with the workers' secret: set RELAY_APPROVAL_SECRET"
        )
    return settings.approval_secret.get_secret_value()


def create_api(
    settings: Settings, app: App, identities: Identities, client: Client | None = None
) -> FastAPI:
    """The service for one app. Without `client` it connects at start-up (settings)."""
    secret = approval_secret(settings)
    queues = app_queues(app, settings)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        connected = client or await connect_client(settings)
        api.state.relay = ServiceState(
            connected, settings, app, identities, secret, app_queues=queues
        )
        yield

    api = FastAPI(
        title=f"relay: {app.name}",
        summary="Goals, their progress and approvals, over HTTP; the approval inbox at /inbox",
        version="1",
        lifespan=lifespan,
    )
    install_error_handlers(api)
    api.add_middleware(BodyLimit)
    api.include_router(goals_api.router)
    api.include_router(approvals_api.router)
    api.include_router(events_api.router)
    api.include_router(threads_api.router)
    api.include_router(memories_api.router)

    @api.get("/me", tags=["people"])
    async def me(person: Annotated[Person, Depends(signed_in)]) -> dict[str, object]:
        """Who the token belongs to, and their roles."""
        return {"name": person.name, "roles": person.roles}

    page = INBOX_PAGE.read_text()
    inbox_headers = _inbox_headers(page)

    @api.get("/inbox", include_in_schema=False)
    async def inbox_page() -> HTMLResponse:
        return HTMLResponse(page, headers=inbox_headers)

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @api.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: Temporal answers this process (503 when it does not)."""
        try:
            await state_of(request).client.service_client.check_health(
                timeout=timedelta(seconds=READY_CHECK_SECONDS)
            )
        except (RPCError, RuntimeError) as err:
            first = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
            return error_response(503, f"Temporal is unreachable: {first}")
        return JSONResponse({"status": "ready"})

    return api
