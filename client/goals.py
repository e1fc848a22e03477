"""Starting a goal the way every relay client does: with the Web UI's static summary (the goal,
shortened) and details (context, model route, budget, requester)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from relay.agents.models import GoalRequest, GoalResult
from relay.workflows.supervisor import SupervisorWorkflow

SUMMARY_CHARS = 120
# How long a query may wait for a worker: the server lists a worker that stopped as a poller
# for minutes, and a query to a run nobody serves waits for one until its deadline.
QUERY_SECONDS = 5.0
T = TypeVar("T")


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
    who owns a goal without asking a worker. A client whose process runs a worker for the
    queue (`relay demo`, `relay.testing`) starts the goal eagerly: its first workflow task
    comes back with the start instead of from a poll (`make bench-eager`); for any other client
    the request is a no-op."""
    reuse = (
        WorkflowIDReusePolicy.ALLOW_DUPLICATE if new_run else WorkflowIDReusePolicy.REJECT_DUPLICATE
    )
    options = {
        "id_reuse_policy": reuse,
        "id_conflict_policy": WorkflowIDConflictPolicy.FAIL,
        "request_eager_start": True,
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


async def has_workers(client: Client, task_queue: str) -> bool:
    """Whether any worker polls the task queue for workflow tasks now: without one, a query
    or an update waits for a worker instead of answering."""
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return bool(described.pollers)


async def ask_if_served(
    client: Client, handle: WorkflowHandle, task_queue: str, query: Callable[..., T]
) -> T | None:
    """The query's answer, or None when no worker answers it within QUERY_SECONDS (none
    polls the task queue, or the one the server lists has gone)."""
    if not await has_workers(client, task_queue):
        return None
    try:
        return await handle.query(query, rpc_timeout=timedelta(seconds=QUERY_SECONDS))
    except RPCError as err:
        # FAILED_PRECONDITION: the server saw no poller recently ("worker may be down").
        gone = (
            RPCStatusCode.DEADLINE_EXCEEDED,
            RPCStatusCode.CANCELLED,
            RPCStatusCode.FAILED_PRECONDITION,
        )
        if err.status in gone:
            return None
        raise
