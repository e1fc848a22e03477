"""`/events`: emit an event of the app over HTTP, as the signed-in person; every agent that
listens to its type runs a goal for it. A client's event id is kept in the person's own
namespace (a digest of person and id), so a retried POST is the same event and nobody can
claim another person's next id."""

import hashlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, ValidationError

from relay.agents.events import Event, event_workflow_id
from relay.client.errors import validation_text
from relay.service.errors import ApiError
from relay.service.identities import Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.temporal.events import start_event

router = APIRouter(prefix="/events", tags=["events"])


class EmitEvent(BaseModel):
    type: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, str] = Field(default_factory=dict)
    id: str | None = Field(default=None, max_length=200)  # a retried POST: the same event


class EventEmitted(BaseModel):
    id: str
    workflow_id: str
    created: bool  # false: this person emitted this id before; it was delivered once


@router.post("", status_code=201)
async def emit(
    body: EmitEvent,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    response: Response,
) -> EventEmitted:
    """Check the data against the app's payload model for the type, then start the event."""
    if not person.may("requester"):
        raise ApiError(403, f"{person.name} may not emit events (role requester)")
    app = state.app
    model = app.events.get(body.type)
    if model is None:
        raise ApiError(422, f"app {app.name!r} has no event type {body.type!r}")
    key = uuid.uuid4().hex if body.id is None else f"{person.name}\n{body.id}"
    event_id = "http-" + hashlib.sha256(key.encode()).hexdigest()[:32]
    try:
        model.model_validate(body.data)
        event = Event(
            type=body.type,
            id=event_id,
            app=app.name,
            data=body.data,
            emitted_by=f"outside:{person.name}",
            context=body.context,
        )
    except ValidationError as err:
        raise ApiError(422, validation_text(err, f"event {body.type}")) from None
    created = await start_event(state.client, event, state.settings.queue_for(app.name))
    if not created:
        response.status_code = 200
    return EventEmitted(
        id=event_id, workflow_id=event_workflow_id(app.name, event_id), created=created
    )
