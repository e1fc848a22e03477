"""`/approvals`: what the signed-in person may decide, across all goals, and their decisions.

The approver of a decision is the signed-in person, never a field of the request; the service
signs it with the workers' secret, so the workflow's own checks (policy, no self-approval,
signature, expiry, audit) decide whether it counts, exactly as for `relay approve`."""

import asyncio
import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field, ValidationError, model_validator
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError

from relay.agents.approvals import (
    ANSWER_MAX_CHARS,
    REASON_MAX_CHARS,
    ApprovalRecord,
    DecisionRequest,
    PendingApproval,
    authorization_refusal,
    sign_decision,
    signature_for,
    signature_matches,
    with_edits,
)
from relay.agents.specs import NAME
from relay.client.decisions import deliver, open_approvals
from relay.client.errors import failure_text, validation_text
from relay.service.errors import ApiError
from relay.service.history_views import evidence
from relay.service.identities import Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.service.waiting_agents import waiting_page, waiting_query
from relay.workflows.supervisor import SupervisorWorkflow

router = APIRouter(prefix="/approvals", tags=["approvals"])
PAGE = 50  # waiting agent runs per page, unless `limit` says otherwise
MAX_PAGE = 200
SIGNATURE_VALID = timedelta(minutes=5)  # a decision the service signs counts this long


class ToolResultSeen(BaseModel):
    tool: str | None
    arguments: dict | None
    ok: bool | None
    result: str  # JSON, cut to a preview


class InboxItem(BaseModel):
    goal_id: str
    goal: str | None  # the goal's text, shortened (the run's summary)
    agent_workflow_id: str
    approval: PendingApproval | None  # None: its details cannot be read right now
    unreadable: str | None = None  # why, when approval is None
    evidence: list[ToolResultSeen]


class DecisionSent(BaseModel):
    """A decision sent as a signal while no worker runs the goal: it takes effect (or is
    refused, and audited) when a worker returns."""

    approval_id: str
    decision: Literal["approve", "reject"]
    sent_as: Literal["signal"] = "signal"


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=REASON_MAX_CHARS)
    # Approve with changed arguments: the fields to change; the tool's checks run on the result.
    edit: dict[str, Any] | None = None
    answer: str | None = Field(default=None, max_length=ANSWER_MAX_CHARS)  # to a question

    @model_validator(mode="after")
    def _only_with_approve(self) -> "Decision":
        if self.decision != "approve" and (self.edit is not None or self.answer is not None):
            raise ValueError("only an approval can edit the arguments or answer a question")
        return self


def _approver(person: Person) -> None:
    if not person.may("approver"):
        raise ApiError(403, f"{person.name} may not decide approvals (role approver)")


@router.get("")
async def inbox(
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    response: Response,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
    agent: Annotated[str | None, Query(pattern=NAME.pattern)] = None,
    tool: Annotated[str | None, Query(max_length=200)] = None,
    requester: Annotated[str | None, Query(max_length=200)] = None,
) -> list[InboxItem]:
    """Pending approvals this person may decide (approvers: allowed by the approval policy,
    not on a goal they requested) and agents' questions to them (requesters: on goals they
    requested), a page of waiting agent runs at a time, from visibility: `X-Next-Cursor`
    names the next page (pass it as `cursor`), `X-Total-Count` counts the agent runs waiting
    that match. An approval whose details cannot be read right now is listed, marked, to
    approvers."""
    if not (person.may("approver") or person.may("requester")):
        raise ApiError(403, f"{person.name} may not decide approvals or answer questions")
    token = _token(cursor, state.approval_secret) if cursor else None
    query = waiting_query(agent, state.app_queues)
    page = await waiting_page(state.client, query, limit, token)
    if page.next_token:
        response.headers["X-Next-Cursor"] = _cursor(page.next_token, state.approval_secret)
    response.headers["X-Total-Count"] = str(page.total)
    shown = [
        (waiting, approval)
        for waiting in page.agents
        for approval in (waiting.approvals or [None])
        if (approval is None and person.may("approver"))
        or (approval is not None and _shown(approval, person, tool, requester))
    ]
    goals = sorted({w.goal_id for w, _ in shown})
    found = await asyncio.gather(*(_summary(state, g) for g in goals))
    summaries = dict(zip(goals, found, strict=True))
    seen = await asyncio.gather(*(evidence(state.client, w.workflow_id) for w, _ in shown))
    items = [
        InboxItem(
            goal_id=waiting.goal_id,
            goal=summaries[waiting.goal_id],
            agent_workflow_id=waiting.workflow_id,
            approval=approval,
            unreadable=waiting.unreadable if approval is None else None,
            evidence=[ToolResultSeen.model_validate(s) for s in tool_results],
        )
        for (waiting, approval), tool_results in zip(shown, seen, strict=True)
    ]
    return sorted(items, key=lambda i: i.approval.requested_at.isoformat() if i.approval else "")


def _cursor(token: bytes, secret: str) -> str:
    """Visibility's page token, signed: a cursor the service did not give never reaches the
    server (which answers a forged token with an internal error)."""
    mac = signature_for(secret, b"relay-inbox-cursor\n" + token)
    return base64.urlsafe_b64encode(token).decode() + "." + mac


def _token(cursor: str, secret: str) -> bytes:
    encoded, _, mac = cursor.rpartition(".")
    try:
        token = base64.b64decode(encoded, altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        token = b""
    if not token or not signature_matches(secret, b"relay-inbox-cursor\n" + token, mac):
        raise ApiError(422, "cursor: not a cursor this service gave")
    return token


def _shown(
    approval: PendingApproval, person: Person, tool: str | None, requester: str | None
) -> bool:
    if approval.kind != "question" and not person.may("approver"):
        return False
    if authorization_refusal(approval, person.name) is not None:
        return False
    return tool in (None, approval.tool) and requester in (None, approval.requested_by)


async def _summary(state: ServiceState, goal_id: str) -> str | None:
    try:
        return await (await state.client.get_workflow_handle(goal_id).describe()).static_summary()
    except RPCError:
        return None  # ended since it was listed: the card still shows the goal id


@router.post("/{goal_id}/{approval_id}")
async def decide(
    goal_id: str,
    approval_id: str,
    body: Decision,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    response: Response,
) -> ApprovalRecord | DecisionSent:
    """Approve or reject as the signed-in person (a question: answer it with `answer`, or
    reject to decline it): the workflow's record of the decision; or, while no worker runs
    the goal, 202 and the decision sent as a signal that takes effect when a worker returns
    (its outcome is in the goal's audit then)."""
    handle = state.client.get_workflow_handle_for(SupervisorWorkflow.run, goal_id)
    try:
        info = await handle.describe()
        if info.status != WorkflowExecutionStatus.RUNNING:
            raise ApiError(404, f"no running goal {goal_id!r}")
        found = await open_approvals(state.client, handle, info.task_queue)
    except RPCError:
        raise ApiError(404, f"no running goal {goal_id!r}") from None
    target = next((p for p in found.approvals if p.approval_id == approval_id), None)
    if target is None:
        raise ApiError(404, f"no pending approval {approval_id!r} in goal {goal_id!r}")
    if target.kind != "question":
        _approver(person)
    if body.decision == "approve" and target.kind == "question" and body.answer is None:
        raise ApiError(422, "a question is answered with `answer` (or rejected to decline it)")
    if target.kind != "question" and body.answer is not None:
        raise ApiError(422, "only a question takes an answer")
    refusal = authorization_refusal(target, person.name)
    if refusal is not None:
        raise ApiError(403, refusal)
    try:
        unsigned = DecisionRequest(
            approval_id=approval_id,
            approver=person.name,
            reason=body.reason,
            approve=body.decision == "approve",
            edited_arguments=None if body.edit is None else with_edits(target, body.edit),
            answer=body.answer,
        )
    except ValidationError as err:
        raise ApiError(422, validation_text(err, "the decision")) from None
    request = sign_decision(
        unsigned,
        target,
        state.approval_secret,
        datetime.now(UTC) + SIGNATURE_VALID,
    )
    try:
        record = await deliver(handle, request, found.served)
    except WorkflowUpdateFailedError as err:
        raise ApiError(409, f"{body.decision} refused: {failure_text(err)}") from None
    if record is None:
        response.status_code = 202
        return DecisionSent(approval_id=approval_id, decision=body.decision)
    return record
