"""Continuing a thread from a client: the goal is added to the thread's workflow by an update
sent with its start (the first goal starts the thread), and the caller gets the goal's
workflow id, which runs once the thread's earlier goals have ended."""

import asyncio

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import FailureError
from temporalio.service import RPCError, RPCStatusCode

from relay.agents.models import GoalRequest, GoalResult
from relay.agents.threads import ThreadStart, thread_workflow_id

POLL_SECONDS = 0.2


class ThreadRefused(ValueError):
    """The thread did not take the goal (another person's, or too many waiting): one line."""


async def continue_thread(
    client: Client, request: GoalRequest, task_queue: str, update_id: str | None = None
) -> str:
    """Add `request` (its `thread`, `requested_by` and `app` set) to its thread; the goal's
    workflow id. The same `update_id` sent again adds nothing (a retried request)."""
    assert request.thread and request.requested_by and request.app
    workflow_id = thread_workflow_id(request.app, request.requested_by, request.thread)
    start = WithStartWorkflowOperation(
        "ThreadWorkflow",
        ThreadStart(
            app=request.app,
            owner=request.requested_by,
            thread=request.thread,
            task_queue=task_queue,
        ),
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        static_summary=f"{request.requested_by}'s thread {request.thread}"[:200],
    )
    try:
        return await client.execute_update_with_start_workflow(
            "add", request, start_workflow_operation=start, result_type=str, id=update_id
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        raise ThreadRefused(
            cause.message if isinstance(cause, FailureError) else str(err)
        ) from None


async def started_goal(client: Client, goal_id: str) -> WorkflowHandle[object, GoalResult]:
    """The goal's handle once its run exists (a goal waits behind the thread's earlier ones)."""
    handle = client.get_workflow_handle(goal_id, result_type=GoalResult)
    while True:
        try:
            await handle.describe()
            return handle
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        await asyncio.sleep(POLL_SECONDS)
