"""Events between agents (choreography): an app declares its event types with a payload model;
agents that `emits` a type get a tool `emit_<type>` whose parameters are the payload's schema,
and agents that `listens` to it each run an ordinary goal for every event of that type. Pure
code: the shapes, the names and the limits."""

import json
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from relay.agents.causes import EventCause
from relay.agents.models import CONTEXT_MAX_ENTRIES, GoalContext
from relay.agents.tool_models import ToolInfo

EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
EVENT_TYPE_MAX_CHARS = 100
EVENT_ID_PATTERN = r"^[A-Za-z0-9_.:/@-]{1,200}$"
# The payload reaches the subscriber in its goal's context, whose values are at most 1000
# characters: an event's data, as JSON, is at most that.
EVENT_DATA_MAX_CHARS = 1000
EMIT_PREFIX = "emit_"
# Events a chain may run deep: a reaction at this depth cannot emit, so a loop between agents
# stops with a refused emit instead of running up a bill.
MAX_CHAIN_DEPTH = 5


def event_data_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


class Event(BaseModel):
    type: str = Field(max_length=EVENT_TYPE_MAX_CHARS)
    id: str = Field(pattern=EVENT_ID_PATTERN)
    app: str = Field(max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)
    # Who emitted it: an agent run's workflow id, or `outside:<name>` for a client.
    emitted_by: str = Field(max_length=400)
    # The emitting goal's context (for a client, its own): whose data the subscribers act on.
    context: GoalContext = Field(default_factory=dict)
    # The chain it belongs to (the id of the chain's first event) and how deep in it it is: an
    # event that a reaction to another emitted is one deeper.
    chain: str = Field(default="", max_length=200)
    depth: int = Field(default=0, ge=0)
    # What the chain granted this event's reactions to spend, in USD, all listeners together
    # (ChainWorkflow); None until the chain admitted it.
    grant_usd: float | None = Field(default=None, ge=0)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not EVENT_TYPE.match(value):
            raise ValueError(f"event type {value!r} is not like incident.opened")
        return value

    @field_validator("context")
    @classmethod
    def _room_for_the_event(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > CONTEXT_MAX_ENTRIES - 3:  # event_type, event_id, event join it
            raise ValueError(f"an event carries at most {CONTEXT_MAX_ENTRIES - 3} context entries")
        return value

    @field_validator("data")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(event_data_json(value)) > EVENT_DATA_MAX_CHARS:
            raise ValueError(f"event data is over {EVENT_DATA_MAX_CHARS} characters as JSON")
        return value


class Delivery(BaseModel):
    """One subscriber's goal for an event, and how it ended."""

    app: str
    agent: str
    workflow_id: str
    status: str  # the goal's status, or "failed" when its run failed
    cost_usd: float | None = None  # what the goal spent; None when its price is unknown


class EventOutcome(BaseModel):
    event: Event
    deliveries: list[Delivery] = Field(default_factory=list)  # every attempt, in order
    # Listeners whose latest delivery failed for good: the event waits for `relay events
    # retry` (a dead letter) until the retry window ends.
    dead: list[str] = Field(default_factory=list)
    # Why the chain did not admit the event (its budget); then nothing was delivered.
    refused: str | None = None


class Listener(BaseModel):
    """An agent that reacts to an event type, and where its app's workers take its goals."""

    app: str
    agent: str
    task_queue: str


class Listening(BaseModel):
    """A subscription's state: what the agent listens to and the task queue for its goals,
    renewed by its workers (agents/events.py, workflows/subscription.py)."""

    listener: Listener
    types: list[str]


class Subscribers(BaseModel):
    listeners: list[Listener]
    searchable: bool = False  # relay's search attributes are registered: dead letters show


def subscription_id(app: str, agent: str) -> str:
    return f"subscription/{app}/{agent}"


SUBSCRIPTION_QUEUE_MEMO = "relay_task_queue"  # the memo key with a listener's task queue


FAILED_GOAL = "failed"  # a goal status that parks its event as a dead letter


def chain_of(event: Event) -> str:
    return event.chain or event.id


def cause_of(event: Event, listeners: int = 1) -> EventCause:
    """A reaction's cause; the event's grant is shared equally by its listeners' goals."""
    share = None if event.grant_usd is None else event.grant_usd / max(listeners, 1)
    return EventCause(
        event_id=event.id,
        type=event.type,
        emitted_by=event.emitted_by,
        chain=chain_of(event),
        depth=event.depth,
        max_cost_usd=share,
    )


def event_workflow_id(app: str, event_id: str) -> str:
    """One workflow per event of an app: a second emit of the same id is the same event."""
    return f"event/{app}/{event_id}"


def emit_tool_name(event_type: str) -> str:
    return EMIT_PREFIX + event_type.replace(".", "_")


def emit_tool(event_type: str, schema: dict[str, Any]) -> ToolInfo:
    """The tool through which an agent emits `event_type`; its arguments are the payload."""
    return ToolInfo(
        name=emit_tool_name(event_type),
        description=f"Emit the {event_type} event: the agents that listen to it react to it.",
        parameters=schema,
        risk="write",
        emits=event_type,
    )


def event_goal(event: Event) -> tuple[str, dict[str, str]]:
    """A subscriber's goal for `event`, and its context (the payload among it)."""
    goal = f"React to the {event.type} event {event.id}."
    about = {"event_type": event.type, "event_id": event.id, "event": event_data_json(event.data)}
    return goal, {**event.context, **about}
