"""A client waits for a goal's approvals on its `next_approvals` update, not by polling: it
hears of the refund's approval once it is pending, a second wait ends when the goal does, and
a malformed request is refused in one line. The run replays with its updates."""

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError

from relay.agents.approvals import ApprovalDecision
from relay.client.replay import replay_workflow
from relay.client.waiting import next_pending, wait_for_result
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay


def _waits(events: list) -> int:
    return sum(
        1
        for e in events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "next_approvals"
    )


async def test_a_client_hears_of_an_approval_once_it_is_pending(relay: Relay) -> None:
    handle = await relay.start()
    [pending] = await asyncio.wait_for(next_pending(handle, set()), timeout=60)
    assert (pending.tool, pending.arguments["amount"]) == ("issue_refund", 79.0)

    # Knowing that one, the next wait lasts until the goal ends, and then says so (none).
    later = asyncio.ensure_future(next_pending(handle, {pending.approval_id}))
    await asyncio.sleep(1.0)
    assert not later.done()
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
    )
    assert await asyncio.wait_for(later, timeout=60) == []
    result = await handle.result()
    history = await handle.fetch_history()

    assert result.status == "completed"
    assert _waits(history.events) == 2  # both waits were the update, neither a poll
    assert await replay_workflow(relay.client, handle.id) is None


async def test_wait_for_result_hands_each_approval_over_once(relay: Relay) -> None:
    handle = await relay.start()
    heard: list[str] = []

    async def decide(pending: list) -> None:
        heard.extend(p.approval_id for p in pending)
        for p in pending:
            decision = ApprovalDecision(approval_id=p.approval_id, approver="alice")
            await handle.signal(SupervisorWorkflow.approve, decision)

    result = await asyncio.wait_for(wait_for_result(handle, decide), timeout=60)

    assert result.status == "completed" and heard == [result.approvals[0].approval_id]
    assert _waits((await handle.fetch_history()).events) == 2


async def test_a_malformed_wait_is_refused_in_one_line(relay: Relay) -> None:
    handle = await relay.start()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            SupervisorWorkflow.next_approvals, {"approval_ids": ["x" * 300]}
        )
    assert "an approval id is at most 200 characters" in str(refused.value.cause)
    await relay.approve_all(handle)
