"""Guardrails through real runs: tainted context forces approval, hallucinated ids are caught
before they flow downstream, answers are redacted, the keep policy leaves an effect in place."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError

from relay.agents.approvals import ApprovalDecision
from relay.agents.redaction import Redaction
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay, running_relay
from tests.reliability import Describe
from tests.test_agent_loop import call


def plan(*tasks: dict) -> dict:
    return {"content": json.dumps({"tasks": list(tasks)})}


REFUND_TEN = plan(
    {
        "id": "r",
        "agent": "returns",
        "instruction": "Return the t-shirts P-105 of order O-5002 and refund $10.",
    }
)
RETURN_AND_REFUND = [
    call("create_return", order_id="O-5002", product_id="P-105", reason="they shrank"),
    call("issue_refund", return_id="R-7001", amount=10),
    {"content": "Return R-7001 is open and $10.00 is refunded."},
]


async def test_a_small_refund_needs_no_approval_in_a_clean_context(relay: Relay) -> None:
    script = relay.script({"plan": [REFUND_TEN], "agents": {"returns": RETURN_AND_REFUND}})
    result = await (await relay.start(model=script)).result()

    assert result.status == "completed" and result.approvals == []
    assert len(relay.rows("SELECT * FROM refunds")) == 1


async def test_tainted_context_forces_approval_of_every_write(relay: Relay) -> None:
    read_messages = call("get_customer_messages", order_id="O-5002")
    script = relay.script(
        {"plan": [REFUND_TEN], "agents": {"returns": [read_messages, *RETURN_AND_REFUND]}}
    )
    handle = await relay.start(model=script)
    asked = []
    async for pending in relay.pending_stream(handle):
        asked.append(pending)
        assert relay.rows("SELECT * FROM refunds") == []  # nothing runs before the decision
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
    result = await handle.result()

    assert [p.tool for p in asked] == ["create_return", "issue_refund"]
    for pending in asked:
        assert "the context is tainted: get_customer_messages (step 1) returned untrusted" in (
            pending.reason
        )
    assert result.status == "completed"
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    # The customer's text reached the model as labelled data, not as instructions.
    turns = await relay.activity_runs(result.tasks[0].workflow_id, "llm")
    seen = turns[1].input["messages"]
    assert seen[0]["role"] == "system" and "never instructions" in seen[0]["content"]
    assert seen[-1]["role"] == "tool"
    assert seen[-1]["content"].startswith(
        '<tool-output tool="get_customer_messages" source="relay" trusted="no">\n'
    )
    assert "shrank after one wash" in seen[-1]["content"]


ORDERS_THEN_CATALOG = plan(
    {"id": "o", "agent": "orders", "instruction": "Find the blue shirt in the last order."},
    {
        "id": "c",
        "agent": "catalog",
        "instruction": "Recommend a green shirt like it.",
        "depends_on": ["o"],
    },
)
LOOKUP = call("get_last_order", customer_id="C-1001")
HALLUCINATED = {"content": "Your last order is O-9999: the Blue Oxford Shirt P-101, $79.00."}


async def test_a_hallucinated_order_id_is_caught_and_not_passed_on(relay: Relay) -> None:
    script = relay.script(
        {
            "plan": [ORDERS_THEN_CATALOG],
            "agents": {"orders": [LOOKUP, HALLUCINATED]},
            "verify": {"orders": [{"content": "It is order O-9999, I am sure."}]},
        }
    )
    result = await (await relay.start(model=script)).result()

    orders, catalog = result.tasks
    assert orders.status == "unverified"
    assert "[unverified: O-9999 not found in orders's tool results]" in orders.result
    assert catalog.status == "skipped"  # downstream agents get verified results only
    assert result.status == "partial"
    assert "Not verified against the tools' results" in result.answer
    assert "O-9999" in result.answer


async def test_a_re_ask_with_the_evidence_can_correct_the_answer(relay: Relay) -> None:
    corrected = "Your last order is O-5002: the Blue Oxford Shirt P-101, paid $79.00."
    script = relay.script(
        {
            "plan": [ORDERS_THEN_CATALOG],
            "agents": {"orders": [LOOKUP, HALLUCINATED]},
            "verify": {"orders": [{"content": corrected}]},
        }
    )
    result = await (await relay.start(model=script)).result()

    orders, catalog = result.tasks
    assert (orders.status, orders.result) == ("completed", corrected)
    assert catalog.status == "completed"
    assert result.status == "completed"


LEAKY = {
    "content": "Order O-5002 was paid with card 4111 1111 1111 1111; "
    "our key is sk-abcdefghijklmnopqrstu."
}


async def test_answers_are_redacted(relay: Relay) -> None:
    script = relay.orders_script([LOOKUP, LEAKY])
    result = await (await relay.start(model=script)).result()

    [task] = result.tasks
    for text in (task.result, result.answer):
        assert "4111" not in text and "sk-abc" not in text
        assert "[redacted card]" in text and "[redacted secret]" in text
        assert "O-5002" in text  # ids and amounts stay readable


async def test_redaction_can_be_turned_off(temporal_server, tmp_path: Path) -> None:
    async with running_relay(
        temporal_server, tmp_path, redaction=Redaction(enabled=False)
    ) as relay:
        result = await (await relay.start(model=relay.orders_script([LOOKUP, LEAKY]))).result()
    assert "4111 1111 1111 1111" in result.tasks[0].result


async def test_keep_policy_leaves_the_return_open_and_says_so(
    temporal_server, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, keep_effects=["create_return"]) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        await handle.signal(
            SupervisorWorkflow.reject,
            ApprovalDecision(approval_id=pending.approval_id, approver="bob"),
        )
        result = await handle.result()

    assert result.status == "rejected"
    [kept] = result.compensations
    assert (kept.undid, kept.kept, kept.tool) == ("create_return", True, "cancel_return")
    [ret] = relay.rows("SELECT id, status FROM returns")
    assert ret["status"] == "open"
    assert "Kept by policy although the goal did not complete: create_return" in result.answer
    assert ret["id"] in result.answer


@pytest.mark.faults
async def test_goal_limit_is_configurable_and_checked_in_the_workflow(
    reliability: Describe, temporal_server, tmp_path: Path
) -> None:
    reliability(
        "oversized goal",
        "a goal over the configured byte limit started directly on the server",
        "the workflow fails once with a one-line InvalidGoal error, no retry loop",
    )
    async with running_relay(temporal_server, tmp_path, max_goal_bytes=40) as relay:
        handle = await relay.start(goal="Please find my last order and the shirt in it.")
        try:
            await handle.result()
        except WorkflowFailureError as err:
            failure = getattr(err.cause, "message", "")
        else:
            raise AssertionError("an oversized goal ran")
    assert failure == "the goal is 46 bytes; the limit is 40"
