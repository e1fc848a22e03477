"""`/approvals`: what the signed-in person may decide, across all goals, and their decisions.

The approver of a decision is the signed-in person, never a field of the request; the service
signs it with the workers' secret, so the workflow's own checks (policy, no self-approval,
signature, expiry, audit) decide whether it counts, exactly as for `relay approve`."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from relay.agents.approvals import (
    REASON_MAX_CHARS,
    ApprovalRecord,
    DecisionRequest,
    PendingApproval,
    authorization_refusal,
    sign_decision,
)
from relay.cli_output import failure_text
from relay.service.errors import ApiError
from relay.service.history_views import evidence
from relay.service.identities import Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.temporal.search_attributes import RELAY_PENDING_APPROVALS
from relay.workflows.supervisor import SupervisorWorkflow

router = APIRouter(prefix="/approvals", tags=["approvals"])
WAITING = (
    f"WorkflowType = 'SupervisorWorkflow' AND ExecutionStatus = 'Running' "
    f"AND {RELAY_PENDING_APPROVALS.name} > 0"
)
MAX_GOALS = 200  # goals looked at per listing
SIGNATURE_VALID = timedelta(minutes=5)  # a decision the service signs counts this long


class ToolResultSeen(BaseModel):
    tool: str | None
    arguments: dict | None
    ok: bool | None
    result: str  # JSON, cut to a preview


class InboxItem(BaseModel):
    goal_id: str
    goal: str | None  # the goal's text, shortened (the run's summary)
    approval: PendingApproval
    evidence: list[ToolResultSeen]


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str | None = Field(default=None, max_length=REASON_MAX_CHARS)


def _approver(person: Person) -> None:
    if not person.may("approver"):
        raise ApiError(403, f"{person.name} may not decide approvals (role approver)")


@router.get("")
async def inbox(
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> list[InboxItem]:
    """Pending approvals across all running goals (from visibility), only those this person
    may decide: allowed by the approval policy, and not on a goal they requested."""
    _approver(person)
    items: list[InboxItem] = []
    async for listed in state.client.list_workflows(WAITING, limit=MAX_GOALS):
        handle = state.client.get_workflow_handle_for(SupervisorWorkflow.run, listed.id)
        try:
            pending = await handle.query(SupervisorWorkflow.pending_approvals)
            summary = await (await handle.describe()).static_summary()
        except RPCError:
            continue  # ended since it was listed
        for approval in pending:
            if authorization_refusal(approval, person.name) is not None:
                continue
            seen = await evidence(state.client, approval.workflow_id)
            items.append(
                InboxItem(
                    goal_id=listed.id,
                    goal=summary,
                    approval=approval,
                    evidence=[ToolResultSeen.model_validate(s) for s in seen],
                )
            )
    return sorted(items, key=lambda i: i.approval.requested_at)


@router.post("/{goal_id}/{approval_id}")
async def decide(
    goal_id: str,
    approval_id: str,
    body: Decision,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> ApprovalRecord:
    """Approve or reject as the signed-in person; the workflow's record of the decision."""
    _approver(person)
    handle = state.client.get_workflow_handle_for(SupervisorWorkflow.run, goal_id)
    try:
        pending = await handle.query(SupervisorWorkflow.pending_approvals)
    except RPCError:
        raise ApiError(404, f"no running goal {goal_id!r}") from None
    target = next((p for p in pending if p.approval_id == approval_id), None)
    if target is None:
        raise ApiError(404, f"no pending approval {approval_id!r} in goal {goal_id!r}")
    refusal = authorization_refusal(target, person.name)
    if refusal is not None:
        raise ApiError(403, refusal)
    request = sign_decision(
        DecisionRequest(
            approval_id=approval_id,
            approver=person.name,
            reason=body.reason,
            approve=body.decision == "approve",
        ),
        target,
        state.approval_secret,
        datetime.now(UTC) + SIGNATURE_VALID,
    )
    try:
        return await handle.execute_update(SupervisorWorkflow.decide, request)
    except WorkflowUpdateFailedError as err:
        raise ApiError(409, f"{body.decision} refused: {failure_text(err)}") from None
