"""Starting a goal the way every relay client does: with the Web UI's static summary (the goal,
shortened) and details (context, model route, budget, requester)."""

from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from relay.agents.models import GoalRequest, GoalResult
from relay.workflows.supervisor import SupervisorWorkflow

SUMMARY_CHARS = 120


def goal_summary(request: GoalRequest) -> str:
    goal = " ".join(request.goal.split())
    return goal if len(goal) <= SUMMARY_CHARS else goal[: SUMMARY_CHARS - 1] + "…"


def goal_details(request: GoalRequest) -> str:
    budget = request.budget.model_dump(exclude_none=True) if request.budget else {}
    limits = ", ".join(f"{k}={v}" for k, v in budget.items()) or "the worker's defaults"
    return "\n".join(
        [
            "**Context**: "
            + (", ".join(f"{k}={v}" for k, v in sorted(request.context.items())) or "none"),
            f"**Model route**: {request.model or 'the worker default (RELAY_MODEL)'}",
            f"**Budget**: {limits}",
            f"**Requested by**: {request.requested_by or 'unknown'}",
        ]
    )


async def start_goal(
    client: Client,
    request: GoalRequest,
    workflow_id: str,
    task_queue: str,
    *,
    new_run: bool = False,
    **options: Any,
) -> WorkflowHandle[SupervisorWorkflow, GoalResult]:
    """Start a goal under an id that has never had a run: an id that has one raises
    `WorkflowAlreadyStartedError`, unless `new_run` asks for a new run of a closed goal's id
    (its ledger keys, approvals and decisions are its own: they name the run). `options` go
    to `Client.start_workflow`. The requester is in the memo too, where a service can read
    who owns a goal without asking a worker."""
    reuse = (
        WorkflowIDReusePolicy.ALLOW_DUPLICATE if new_run else WorkflowIDReusePolicy.REJECT_DUPLICATE
    )
    options = {
        "id_reuse_policy": reuse,
        "id_conflict_policy": WorkflowIDConflictPolicy.FAIL,
        **options,
    }
    return await client.start_workflow(
        SupervisorWorkflow.run,
        request,
        id=workflow_id,
        task_queue=task_queue,
        static_summary=goal_summary(request),
        static_details=goal_details(request),
        memo={"requested_by": request.requested_by} if request.requested_by else None,
        **options,
    )
