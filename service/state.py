"""What every request handler shares: the Temporal client, settings, the app, who may call, and
the dependencies that hand them out (FastAPI's `Depends`)."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Header, Request
from temporalio.client import Client

from relay.app import App
from relay.service.errors import ApiError
from relay.service.identities import Identities, Person
from relay.settings import Settings


@dataclass
class ServiceState:
    client: Client
    settings: Settings
    app: App
    identities: Identities
    approval_secret: str
    # Event streams each person holds open on this process (capped per person).
    streams: dict[str, int] = field(default_factory=dict)
    # The task queues the app's agents run on: the inbox lists only their approvals.
    app_queues: list[str] = field(default_factory=list)

    def may_stream(self, person: str) -> None:
        """429 when the person already holds as many event streams as they may."""
        limit = self.settings.serve_streams_per_person
        if self.streams.get(person, 0) >= limit:
            raise ApiError(429, f"{person} has {limit} event streams open; close one first")

    @contextlib.contextmanager
    def stream_for(self, person: str) -> Iterator[None]:
        """Count one of the person's event streams while the block runs."""
        self.streams[person] = self.streams.get(person, 0) + 1
        try:
            yield
        finally:
            self.streams[person] -= 1
            if not self.streams[person]:
                del self.streams[person]


def state_of(request: Request) -> ServiceState:
    return request.app.state.relay


def signed_in(
    request: Request, authorization: Annotated[str | None, Header(max_length=1000)] = None
) -> Person:
    """The person behind the bearer token; 401 without one or with an unknown one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "sign in: send 'Authorization: Bearer TOKEN'")
    person = state_of(request).identities.person_with(token.strip())
    if person is None:
        raise ApiError(401, "unknown token")
    return person
