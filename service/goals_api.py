"""`/goals`: start a goal (once per Idempotency-Key), read it, follow it, cancel it."""

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError, field_validator
from temporalio.client import (
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from relay.agents.approvals import DecisionAudit
from relay.agents.guardrails import goal_problem
from relay.agents.models import Budget, GoalRequest, GoalResult
from relay.client.errors import validation_text
from relay.client.goals import ask_if_served, start_goal
from relay.client.snapshot import GoalSnapshot, snapshot
from relay.service.errors import ApiError
from relay.service.history_views import progress_stream
from relay.service.identities import Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.temporal.goal_history import read_goal
from relay.workflows.supervisor import SupervisorWorkflow

router = APIRouter(prefix="/goals", tags=["goals"])
GOAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
# Ids relay makes (random, or derived from a person's Idempotency-Key) start with this; a
# client's own ids may not, so no one can pre-claim another person's next keyed goal.
RELAY_IDS = "goal-"


class GoalBody(BaseModel):
    goal: str = Field(min_length=1)
    context: dict[str, str] = Field(default_factory=dict)
    # One of the routes the operator offers (RELAY_SERVE_MODELS); none: the default route.
    model: str | None = Field(default=None, max_length=500)
    budget: Budget | None = None


class StartGoal(GoalBody):
    # A client-chosen goal id: a retried POST with the same id starts nothing new.
    id: str | None = Field(default=None, pattern=GOAL_ID)

    @field_validator("id")
    @classmethod
    def _not_relays(cls, value: str | None) -> str | None:
        if value is not None and value.startswith(RELAY_IDS):
            raise ValueError(f"ids starting with {RELAY_IDS!r} are relay's own; choose another")
        return value


class GoalStarted(BaseModel):
    id: str
    created: bool  # false: an earlier request with this id or key started it


async def _goal(
    state: ServiceState, goal_id: str
) -> tuple[WorkflowHandle[SupervisorWorkflow, GoalResult], WorkflowExecutionDescription]:
    """The goal's handle and description; 404 when there is no such goal."""
    handle = state.client.get_workflow_handle_for(SupervisorWorkflow.run, goal_id)
    try:
        described = await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(404, f"no goal {goal_id!r}") from None
        raise
    if described.workflow_type != "SupervisorWorkflow":
        raise ApiError(404, f"no goal {goal_id!r}")
    return handle, described


async def _requester(described: WorkflowExecutionDescription) -> str | None:
    return (await described.memo()).get("requested_by")


def _goal_id(person: Person, body: StartGoal, key: str | None) -> str:
    if body.id is not None:
        return body.id
    if key is not None:
        # Keys are per person: two callers' keys never name the same goal.
        digest = hashlib.sha256(f"{person.name}\0{key}".encode()).hexdigest()
        return f"{RELAY_IDS}{digest[:24]}"
    return f"{RELAY_IDS}{uuid.uuid4().hex[:12]}"


def goal_request(body: GoalBody, person: Person, state: ServiceState) -> GoalRequest:
    """The goal the signed-in person asks for, checked: their role, its size, an offered model
    route, each field's bounds."""
    if not person.may("requester"):
        raise ApiError(403, f"{person.name} may not start goals (role requester)")
    problem = goal_problem(body.goal, state.settings.max_goal_bytes)
    if problem is not None:
        raise ApiError(422, f"goal: {problem}")
    offered = state.settings.serve_models
    if body.model is not None and body.model not in offered:
        raise ApiError(
            422,
            f"model: route {body.model[:100]!r} is not offered here; offered: "
            f"{', '.join(offered) or 'none (goals run on the default route)'}",
        )
    try:
        request = GoalRequest(
            goal=body.goal,
            context=body.context,
            model=body.model,
            budget=body.budget,
            requested_by=person.name,
            app=state.app.name,
            app_digest=state.app.digest,
        )
    except ValidationError as err:
        raise ApiError(422, validation_text(err, "goal")) from None
    if not (body.model or state.settings.model or state.app.model):
        raise ApiError(503, "this service has no default model route (RELAY_MODEL)")
    return request


@router.post("", status_code=201)
async def start(
    body: StartGoal,
    response: Response,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> GoalStarted:
    """Start a goal as the signed-in person (its requester). With an `Idempotency-Key`
    header or an `id`, a retried request starts one goal, not two."""
    request = goal_request(body, person, state)
    goal_id = _goal_id(person, body, idempotency_key)
    try:
        await start_goal(
            state.client,
            request,
            goal_id,
            state.settings.queue_for(state.app.name),
        )
    except WorkflowAlreadyStartedError:
        _, described = await _goal(state, goal_id)
        if await _requester(described) != person.name:
            raise ApiError(409, f"goal id {goal_id!r} is taken") from None
        response.status_code = 200
        return GoalStarted(id=goal_id, created=False)
    return GoalStarted(id=goal_id, created=True)


@router.get("/{goal_id}")
async def read(
    goal_id: str,
    _: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> GoalSnapshot:
    """Status, agents with their model turns, usage, pending approvals, and the result."""
    handle, _ = await _goal(state, goal_id)
    return await snapshot(state.client, handle)


@router.get("/{goal_id}/audit")
async def audit(
    goal_id: str,
    _: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> list[DecisionAudit]:
    """Every decision on the goal so far: who, what, when, accepted or refused, why."""
    handle, described = await _goal(state, goal_id)
    if described.status == WorkflowExecutionStatus.COMPLETED:
        return (await handle.result()).audit
    if described.status != WorkflowExecutionStatus.RUNNING:
        raise ApiError(409, f"goal {goal_id!r} ended without a result; see GET /goals/{goal_id}")
    # While no worker answers, the decisions as the agents reported them, from history.
    asked = await ask_if_served(
        state.client, handle, described.task_queue, SupervisorWorkflow.audit
    )
    return asked if asked is not None else (await read_goal(state.client, goal_id)).audit


@router.get("/{goal_id}/events")
async def events(
    goal_id: str,
    request: Request,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Server-Sent Events of the goal's progress until it ends. Reconnect with
    `Last-Event-ID` to resume after the last event seen, on any replica. Each person may hold
    RELAY_SERVE_STREAMS_PER_PERSON streams open (429 past that)."""
    handle, _ = await _goal(state, goal_id)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    state.may_stream(person.name)

    async def held() -> AsyncIterator[str]:
        with state.stream_for(person.name):
            async for event in progress_stream(state.client, handle, after):
                yield event

    return StreamingResponse(
        held(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/{goal_id}/cancel", status_code=202)
async def cancel(
    goal_id: str,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> dict[str, str]:
    """Cancel a goal: its agents undo what they did (compensation). Its requester or an admin."""
    handle, described = await _goal(state, goal_id)
    if await _requester(described) != person.name and "admin" not in person.roles:
        raise ApiError(403, f"{person.name} may not cancel goal {goal_id!r}: not its requester")
    await handle.cancel()
    return {"id": goal_id, "status": "cancel_requested"}
