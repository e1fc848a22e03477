"""The FastAPI application `relay serve` runs. It keeps no state of its own (everything lives
in Temporal), so any number of replicas behind a load balancer behave as one."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from temporalio.client import Client

from relay.app import App
from relay.service import approvals_api, goals_api
from relay.service.errors import BodyLimit, install_error_handlers
from relay.service.identities import Identities, Person
from relay.service.state import ServiceState, signed_in
from relay.settings import Settings
from relay.temporal.connect import connect_client

INBOX_PAGE = files("relay.service").joinpath("inbox.html")


def http_server(api: FastAPI, host: str, port: int) -> uvicorn.Server:
    """How relay serves the API (`relay serve`, `relay demo --inbox`): quiet access logs."""
    return uvicorn.Server(
        uvicorn.Config(api, host=host, port=port, log_level="warning", access_log=False)
    )


def create_api(
    settings: Settings, app: App, identities: Identities, client: Client | None = None
) -> FastAPI:
    """The service for one app. Without `client` it connects at start-up (settings)."""
    if settings.approval_secret is None:
        raise ValueError(
            "relay serve signs decisions with the workers' secret: set RELAY_APPROVAL_SECRET"
        )
    secret = settings.approval_secret.get_secret_value()

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        connected = client or await connect_client(settings)
        api.state.relay = ServiceState(connected, settings, app, identities, secret)
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

    @api.get("/me", tags=["people"])
    async def me(person: Annotated[Person, Depends(signed_in)]) -> dict[str, object]:
        """Who the token belongs to, and their roles."""
        return {"name": person.name, "roles": person.roles}

    @api.get("/inbox", include_in_schema=False)
    async def inbox_page() -> HTMLResponse:
        return HTMLResponse(INBOX_PAGE.read_text(), headers={"Cache-Control": "no-store"})

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api
