"""An attacker with namespace access, through a real dev server and real worker processes:
oversized and malformed decisions, forged bookkeeping signals, a hijacked model aimed at
another customer's data."""

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from examples.shop.data import setup
from relay.agents.approvals import (
    ApprovalRecord,
    DecisionAudit,
    DecisionRequest,
    PendingApproval,
    sign_decision,
)
from relay.agents.models import HistoryLimit
from relay.agents.notices import AgentNotice
from relay.temporal.devserver import DevServer
from relay.tools.store import connect
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay, running_relay
from tests.reliability import Describe
from tests.test_agent_loop import call
from tests.worker_process import relay_for_worker_processes, worker_process

SECRET = "hardening-secret"


async def refusal(handle: WorkflowHandle, payload: Any) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update("decide", payload, result_type=ApprovalRecord)
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.message


def refunds(relay: Relay) -> list[dict[str, Any]]:
    return relay.rows("SELECT * FROM refunds")


@pytest.mark.faults
async def test_oversized_and_malformed_decisions_are_refused_and_bounded(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    reliability(
        "oversized and malformed decisions",
        "approve signals with a 1.1 MB approver (to the supervisor and to the agent), a decide "
        "with a 1.5 MB reason, decides of the wrong shape, 55 signals for unknown approvals",
        "each refused, one line naming the field; the audit keeps 200 characters of a field "
        "and at most 50 refusals (the rest counted); the goal completes with one refund",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    async with worker_process(relay.settings, tmp_path / "workers.log"):
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        for n in range(55):
            await handle.signal("reject", {"approval_id": f"nope-{n}", "approver": "eve"})
        huge = {"approval_id": pending.approval_id, "approver": "m" * 1_100_000}
        await handle.signal("approve", huge)
        await relay.client.get_workflow_handle(pending.workflow_id).signal("approve", huge)

        decide = {"approval_id": pending.approval_id, "approver": "alice", "approve": True}
        assert await refusal(handle, decide | {"reason": "r" * 1_500_000}) == (
            "malformed decision: reason: String should have at most 2000 characters"
        )
        for payload, field in [
            (decide | {"approval_id": 5}, "approval_id"),
            ({"approval_id": pending.approval_id, "approver": "alice"}, "approve"),
            ([1, 2], "the decision"),
        ]:
            refused = await refusal(handle, payload)
            assert refused.startswith(f"malformed decision: {field}: ") and "\n" not in refused

        record = await handle.execute_update(
            SupervisorWorkflow.decide, DecisionRequest.model_validate(decide)
        )
        assert record.verdict == "approved"
        result = await handle.result()

    assert result.status == "completed" and len(refunds(relay)) == 1
    refused = [a for a in result.audit if not a.accepted]
    # The agent's own refusal of the huge signal, and the supervisor's last 50 refusals.
    assert len(refused) == 51 and result.audit_omitted == 6
    assert all(len(a.approver) <= 250 for a in refused)
    assert sum("m" * 200 in a.approver for a in refused) == 2
    assert len(result.model_dump_json()) < 100_000


async def test_updates_over_the_payload_limit_never_stall_the_goal(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """`decide` updates of 2.3 MB: the server refuses each at once, every query between them
    answers, no workflow task fails, and the goal completes (the SDK's own size check used to
    fail the task that rejected it: 10-20 s of a goal that answered nothing, per update)."""
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    async with worker_process(relay.settings, tmp_path / "workers.log"):
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        decide = {"approval_id": pending.approval_id, "approver": "alice", "approve": True}
        for _ in range(3):
            with pytest.raises(RPCError):
                await handle.execute_update("decide", decide | {"reason": "r" * 2_300_000})
            waiting = await handle.query(SupervisorWorkflow.pending_approvals)
            assert [p.approval_id for p in waiting] == [pending.approval_id]
        record = await handle.execute_update(
            SupervisorWorkflow.decide, DecisionRequest.model_validate(decide)
        )
        result = await handle.result()
    assert record.verdict == "approved" and result.status == "completed"
    failed = [
        e
        async for e in handle.fetch_history_events()
        if e.HasField("workflow_task_failed_event_attributes")
    ]
    assert failed == []


def forged(pending: PendingApproval) -> list[AgentNotice]:
    """Notices an attacker sends in the agent's name: the approval settled, a fake accepted
    decision in the audit, a fake pending approval."""
    now = datetime.now(UTC)
    settled = ApprovalRecord(
        **pending.model_dump(include={"approval_id", "agent", "tool", "arguments"}),
        verdict="approved",
        approver="ceo",
        requested_at=pending.requested_at,
        decided_at=now,
    )
    audit = DecisionAudit(
        approval_id=pending.approval_id,
        verdict="approved",
        approver="ceo",
        reason="forged audit",
        accepted=True,
        signed=True,
        at=now,
    )
    fake = pending.model_copy(update={"approval_id": "fake-1", "tool": "cancel_return"})
    bodies = {"settled": settled, "audited": audit, "requested": fake}
    return [
        AgentNotice(kind=kind, sender=pending.workflow_id, body=body.model_dump_json(), mac=mac)  # type: ignore[arg-type]
        for kind, body in bodies.items()
        for mac in (None, "0" * 64)
    ]


@pytest.mark.faults
async def test_forged_bookkeeping_signals_change_nothing(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    reliability(
        "forged approval bookkeeping",
        "with RELAY_APPROVAL_SECRET set, signals in the agent's name to the supervisor: the "
        "approval settled, an accepted 'ceo' decision in the audit, a fake pending approval",
        "the approval stays pending, a signed decide goes through, no forged entry in the audit",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    async with worker_process(
        relay.settings, tmp_path / "workers.log", RELAY_APPROVAL_SECRET=SECRET
    ):
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        for notice in forged(pending):
            await handle.signal("agent_notice", notice)
        # A decision is a barrier: the signals before it have been handled when it returns.
        valid = sign_decision(
            DecisionRequest(approval_id=pending.approval_id, approver="fiona", approve=True),
            pending,
            SECRET,
            datetime.now(UTC) + timedelta(minutes=5),
        )
        altered = valid.model_copy(update={"approver": "mallory"})
        assert "signature does not match" in await refusal(handle, altered)
        still = await handle.query(SupervisorWorkflow.pending_approvals)
        assert [p.approval_id for p in still] == [pending.approval_id]

        record = await handle.execute_update(SupervisorWorkflow.decide, valid)
        result = await handle.result()

    assert record.approver == "fiona" and result.status == "completed"
    assert not any(a.approver == "ceo" for a in result.audit)
    assert [(a.approver, a.accepted, a.signed) for a in result.audit if a.accepted] == [
        ("fiona", True, True)
    ]
    assert len(refunds(relay)) == 1


@pytest.mark.faults
async def test_a_hijacked_agent_cannot_touch_another_customers_order(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    reliability(
        "another customer's data",
        "C-1001's goal, a hijacked model: a return on C-1002's order, refunds of $10 and $60 "
        "on C-1002's return",
        "each refused by the tools' guard before any effect, no approval asked, loop breaker",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    hijacked = relay.script(
        {
            "plan": [
                {
                    "content": '{"tasks": [{"id": "r", "agent": "returns", '
                    '"instruction": "Return the linen shirt of order O-5003."}]}'
                }
            ],
            "agents": {
                "returns": [
                    call("create_return", order_id="O-5003", product_id="P-103", reason="x"),
                    call("issue_refund", return_id="R-7001", amount=10),
                    call("issue_refund", return_id="R-7001", amount=60),
                    {"content": "Done."},
                ]
            },
            "synthesize": [{"content": "Done."}],
        }
    )
    seed_with_a_return_of_c1002(relay)
    async with worker_process(relay.settings, tmp_path / "workers.log"):
        handle = await relay.start(model=hijacked)
        result = await handle.result()
        child = await relay.child_result(result.tasks[0].workflow_id)
        history = json.dumps(
            [
                r.input
                for r in await relay.activity_runs(child.workflow_id, "tool")
                if r.result["refused"]
            ]
        )

    assert [(c.tool, c.outcome) for c in child.tool_calls] == [
        ("create_return", "refused"),
        ("issue_refund", "refused"),
        ("issue_refund", "refused"),
    ]
    assert child.status == "loop_detected"  # three refusals in a row
    assert "order O-5003 belongs to another customer" in child.tool_calls[0].detail
    assert all(
        "return R-7001 belongs to another customer" in c.detail for c in child.tool_calls[1:]
    )
    assert result.approvals == [] and child.approvals == []  # no human was asked
    assert refunds(relay) == []
    assert [r["id"] for r in relay.rows("SELECT id FROM returns")] == ["R-7001"]
    # The $60 refund was refused by the guard run on its own, before any approval.
    assert '"check_only": true' in history and '"amount": 60' in history


def seed_with_a_return_of_c1002(relay: Relay) -> None:
    assert relay.settings.db_path is not None
    db = connect(relay.settings.db_path)
    try:
        setup(db)
        db.execute(
            "INSERT INTO returns (id, order_id, product_id, reason, status, refund_cents, "
            "created_at) VALUES ('R-7001', 'O-5003', 'P-103', 'too big', 'open', 6500, ?)",
            (datetime.now(UTC).isoformat(),),
        )
    finally:
        db.close()


@pytest.mark.parametrize("target", ["supervisor", "agent"])
async def test_a_flood_of_signals_ends_the_goal_cleanly_before_the_history_limit(
    temporal_server: DevServer, tmp_path: Path, target: str
) -> None:
    """Refused signals until the run's history nears the limit (here 100 events): the goal
    ends by itself with its effects undone, where Temporal would terminate it past 51,200
    events with the return left open."""
    async with running_relay(
        temporal_server, tmp_path, history_limit=HistoryLimit(events=100)
    ) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        assert [r["status"] for r in relay.rows("SELECT status FROM returns")] == ["open"]
        flooded = (
            handle
            if target == "supervisor"
            else relay.client.get_workflow_handle(pending.workflow_id)
        )
        with contextlib.suppress(RPCError):  # the run ends mid-flood: later signals bounce
            for n in range(60):
                await flooded.signal("reject", {"approval_id": f"nope-{n}", "approver": "eve"})
        result = await asyncio.wait_for(handle.result(), 60)

    assert result.status in ("failed", "partial")
    # A refused decision is also told to the supervisor: whichever run fills up first stops.
    stopped = " ".join([result.answer, *(t.result for t in result.tasks)])
    assert "history is near Temporal's limit" in stopped and "stops a run at 100 events" in stopped
    assert [r["status"] for r in relay.rows("SELECT status FROM returns")] == ["cancelled"]
    assert relay.rows("SELECT * FROM refunds") == []
    supervisor_events = [e async for e in handle.fetch_history_events()]
    assert len(supervisor_events) < 400


async def test_refusals_past_the_audit_cap_cost_the_agent_nothing_more(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """70 refused decisions sent to an agent: the first 50 are audited and told to the
    supervisor, the rest only counted; the goal then completes on a real decision."""
    async with running_relay(temporal_server, tmp_path, approval_secret=SecretStr(SECRET)) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        agent = relay.client.get_workflow_handle(pending.workflow_id)
        for n in range(70):
            await agent.signal("reject", {"approval_id": f"nope-{n}", "approver": "eve"})
        await handle.execute_update(
            SupervisorWorkflow.decide,
            sign_decision(
                DecisionRequest(approval_id=pending.approval_id, approver="alice", approve=True),
                pending,
                SECRET,
                datetime.now(UTC) + timedelta(minutes=5),
            ),
        )
        result = await handle.result()
        events = [e async for e in agent.fetch_history_events()]

    assert result.status == "completed"
    [returns] = [t for t in result.tasks if t.agent == "returns"]
    child = await relay.child_result(returns.workflow_id)
    assert sum(not a.accepted for a in child.audit) == 50 and child.audit_omitted == 20
    told = [
        e
        for e in events
        if e.HasField("signal_external_workflow_execution_initiated_event_attributes")
    ]
    signed = [
        e
        for e in events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "sign_notice"
    ]
    # 50 refusals, the request and the decision: no notice for the 20 past the cap.
    assert len(told) == len(signed) == 52
