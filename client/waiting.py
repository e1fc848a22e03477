"""Waiting for a goal's result, hearing of each approval it asks for on the way.

A client waits on the goal's `next_approvals` update, which the workflow completes the moment
an approval the client has not seen is pending: no polling, so the approval is heard at once
and a waiting client costs the worker and the server nothing while a person decides. Where the
update cannot serve (a worker of an earlier relay, a goal that just ended, more waiters than
the server admits), the client asks the `pending_approvals` query once a second instead."""

import asyncio
from collections.abc import Awaitable, Callable

from temporalio.client import (
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from relay.agents.approvals import ApprovalsSeen, PendingApproval
from relay.agents.models import GoalResult
from relay.client.errors import UserError, failure_text
from relay.workflows.supervisor import SupervisorWorkflow

POLL_SECONDS = 1.0
SEEN_MAX = 500  # the update takes this many seen ids; past them a client polls


async def next_pending(handle: WorkflowHandle, seen: set[str]) -> list[PendingApproval]:
    """The goal's pending approvals once one not in `seen` is pending; none once the goal is
    ending (or, where the update cannot serve, whatever is pending a second from now)."""
    if len(seen) <= SEEN_MAX:
        try:
            return await handle.execute_update(
                SupervisorWorkflow.next_approvals, ApprovalsSeen(approval_ids=sorted(seen))
            )
        except (RPCError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError):
            pass
    await asyncio.sleep(POLL_SECONDS)
    try:
        return await handle.query(SupervisorWorkflow.pending_approvals)
    except RPCError:
        return []  # the run may finish between the check and the query


async def wait_for_result(
    handle: WorkflowHandle, on_pending: Callable[[list[PendingApproval]], Awaitable[None]]
) -> GoalResult:
    """Wait for the goal, passing each new pending approval to `on_pending` once."""
    result_task = asyncio.ensure_future(handle.result())
    seen: set[str] = set()
    while not result_task.done():
        waiting = asyncio.ensure_future(next_pending(handle, seen))
        await asyncio.wait([result_task, waiting], return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            waiting.cancel()
            break
        fresh = [p for p in waiting.result() if p.approval_id not in seen]
        if fresh:
            seen.update(p.approval_id for p in fresh)
            await on_pending(fresh)
        else:  # the goal is ending: its result is on the way
            await asyncio.wait([result_task], timeout=POLL_SECONDS)
    try:
        return result_task.result()
    except WorkflowFailureError as err:
        raise UserError(f"goal {handle.id} failed: {failure_text(err)}") from err
