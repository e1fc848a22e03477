"""Waiting for a goal's result, hearing of each approval it asks for on the way."""

import asyncio
from collections.abc import Awaitable, Callable

from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from relay.agents.approvals import PendingApproval
from relay.agents.models import GoalResult
from relay.client.errors import UserError, failure_text
from relay.workflows.supervisor import SupervisorWorkflow


async def wait_for_result(
    handle: WorkflowHandle, on_pending: Callable[[list[PendingApproval]], Awaitable[None]]
) -> GoalResult:
    """Wait for the goal, passing each new pending approval to `on_pending` once."""
    result_task = asyncio.ensure_future(handle.result())
    seen: set[str] = set()
    while not result_task.done():
        try:
            pending = await handle.query(SupervisorWorkflow.pending_approvals)
        except RPCError:
            pending = []  # the run may finish between the check and the query
        fresh = [p for p in pending if p.approval_id not in seen]
        if fresh:
            seen.update(p.approval_id for p in fresh)
            await on_pending(fresh)
        await asyncio.wait([result_task], timeout=1.0)
    try:
        return result_task.result()
    except WorkflowFailureError as err:
        raise UserError(f"goal {handle.id} failed: {failure_text(err)}") from err
