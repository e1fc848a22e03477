"""`relay demo --inbox`: the showcase's refund is decided in the approval inbox, in a browser,
instead of at the terminal prompt. One person (the user running the demo) with a fresh token,
and a fresh approval secret shared by the demo's worker and its HTTP service."""

import asyncio
import contextlib
import getpass
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import SecretStr
from temporalio.client import Client

from relay.app import App
from relay.service.http_app import create_api, http_server
from relay.service.identities import Identities, Person, token_hash
from relay.settings import Settings


@dataclass(frozen=True)
class DemoInbox:
    settings: Settings  # with the approval secret the worker and the service share
    identities: Identities
    port: int
    link: str  # the inbox, signed in by the token in the fragment


def demo_inbox(settings: Settings, port: int) -> DemoInbox:
    token = secrets.token_urlsafe(24)
    secret = settings.approval_secret or SecretStr(secrets.token_urlsafe(32))
    person = Person(name=getpass.getuser(), roles=["approver"], token_sha256=token_hash(token))
    return DemoInbox(
        settings=settings.model_copy(update={"approval_secret": secret}),
        identities=Identities(people=[person]),
        port=port,
        link=f"http://127.0.0.1:{port}/inbox#token={token}",
    )


@contextlib.asynccontextmanager
async def serving(inbox: DemoInbox, app: App, client: Client) -> AsyncIterator[None]:
    """The HTTP service in this process, until the block ends."""
    api = create_api(inbox.settings, app, inbox.identities, client)
    server = http_server(api, "127.0.0.1", inbox.port)
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if task.done():
        task.result()  # it failed to start (port taken): say why
    try:
        yield
    finally:
        server.should_exit = True
        await task
