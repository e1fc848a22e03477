"""What every request handler shares: the Temporal client, settings, the app, who may call, and
the dependencies that hand them out (FastAPI's `Depends`)."""

from dataclasses import dataclass
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
