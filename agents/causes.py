"""Why a goal runs when no person asked for it: the event it reacts to. Pure code."""

from pydantic import BaseModel, Field


class EventCause(BaseModel):
    """Why a goal runs: the event it reacts to (agents/events.py), and the chain of events it
    is part of."""

    event_id: str = Field(max_length=200)
    type: str = Field(max_length=100)
    emitted_by: str = Field(max_length=400)
    chain: str = Field(max_length=200)
    depth: int = Field(ge=0)
    # The reaction's share of what its chain granted the event: the goal's cost never exceeds
    # it, whatever its budget says.
    max_cost_usd: float | None = Field(default=None, ge=0)
