"""The showcase goal end to end against a real dev server, with every approval outcome."""

import asyncio
from pathlib import Path

import pytest

from relay.agents.approvals import ApprovalDecision
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay, running_relay
from tests.reliability import Describe


async def test_showcase_with_approval(relay: Relay) -> None:
    handle = await relay.start()
    pending = await relay.next_pending(handle)
    assert (pending.agent, pending.tool) == ("returns", "issue_refund")
    assert pending.arguments == {"return_id": "R-7001", "amount": 79.0}
    assert "amount > 50" in pending.reason
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(
            approval_id=pending.approval_id, approver="alice", reason="receipt checked"
        ),
    )
    result = await handle.result()

    assert result.status == "completed"
    assert [(t.id, t.agent, t.status) for t in result.tasks] == [
        ("orders", "orders", "completed"),
        ("catalog", "catalog", "completed"),
        ("returns", "returns", "completed"),
    ]
    assert [t.workflow_id for t in result.tasks] == [
        f"{handle.id}/orders-1",
        f"{handle.id}/catalog-1",
        f"{handle.id}/returns-1",
    ]
    assert "Green Oxford Shirt" in result.answer and "P-102" in result.answer
    assert "R-7001" in result.answer and "refund F-9001" in result.answer
    [approval] = result.approvals
    assert (approval.verdict, approval.approver, approval.reason) == (
        "approved",
        "alice",
        "receipt checked",
    )
    assert result.usage.llm_calls == 10 and result.usage.input_tokens > 0
    assert relay.rows("SELECT return_id, amount_cents FROM refunds") == [
        {"return_id": "R-7001", "amount_cents": 7900}
    ]


async def test_showcase_with_rejection_issues_no_refund(relay: Relay) -> None:
    handle = await relay.start()
    pending = await relay.next_pending(handle)
    await handle.signal(
        SupervisorWorkflow.reject,
        ApprovalDecision(approval_id=pending.approval_id, approver="bob", reason="item was worn"),
    )
    result = await handle.result()

    assert result.status == "rejected"
    returns = next(t for t in result.tasks if t.agent == "returns")
    assert returns.status == "rejected"
    assert "not issued" in returns.result and "rejected by bob: item was worn" in returns.result
    assert "not issued" in result.answer
    assert [(a.verdict, a.approver) for a in result.approvals] == [("rejected", "bob")]
    assert relay.rows("SELECT * FROM refunds") == []
    # The saga's way back: the return opened for the rejected refund is cancelled, and said so.
    [undo] = result.compensations
    assert (undo.tool, undo.undid, undo.ok) == ("cancel_return", "create_return", True)
    [ret] = relay.rows("SELECT id, status FROM returns WHERE order_id = 'O-5002'")
    assert ret == {"id": undo.arguments["return_id"], "status": "cancelled"}
    assert f"cancel_return(return_id={ret['id']}) for create_return" in result.answer


@pytest.mark.faults
async def test_duplicate_approval_has_one_effect(reliability: Describe, relay: Relay) -> None:
    reliability(
        "duplicate approval signal",
        "the same approval sent five times to supervisor and child, plus a late reject",
        "one refund, one ledger row, one accepted decision",
    )
    handle = await relay.start()
    pending = await relay.next_pending(handle)
    decision = ApprovalDecision(approval_id=pending.approval_id, approver="alice")
    child = relay.client.get_workflow_handle(pending.workflow_id)
    await child.signal("approve", decision)  # the first decision, delivered before the rest
    await asyncio.gather(
        handle.signal(SupervisorWorkflow.approve, decision),
        handle.signal(SupervisorWorkflow.approve, decision),
        child.signal("approve", decision),
        child.signal(
            "reject", ApprovalDecision(approval_id=pending.approval_id, approver="mallory")
        ),
    )
    result = await handle.result()

    assert result.status == "completed"
    assert [(a.verdict, a.approver) for a in result.approvals] == [("approved", "alice")]
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    assert len(relay.rows("SELECT * FROM tool_ledger WHERE tool = 'issue_refund'")) == 1


async def test_unanswered_approval_expires_as_rejection(temporal_server, tmp_path: Path) -> None:
    async with running_relay(temporal_server, tmp_path, approval_timeout_seconds=1) as relay:
        result = await (await relay.start()).result()

    assert result.status == "rejected"
    [approval] = result.approvals
    assert (approval.verdict, approval.approver) == ("expired", "relay:timeout")
    assert relay.rows("SELECT * FROM refunds") == []
