"""Exactly-once side effects across a worker crash, with a real worker process and server.

The worker is told (RELAY_FAULT) to SIGKILL itself right after the refund and its ledger entry
are committed, before the activity reports back. Temporal then runs the activity again on a new
worker, which must find the ledger entry instead of refunding twice.
"""

import json
import signal
import uuid
from pathlib import Path

import pytest

from examples.shop.app import SHOWCASE_CUSTOMER, SHOWCASE_GOAL
from relay.agents.approvals import ApprovalDecision
from relay.agents.models import GoalRequest
from relay.temporal.devserver import DevServer
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.reliability import Describe
from tests.test_cli import env_for
from tests.worker_process import relay_for_worker_processes, worker_process


@pytest.mark.faults
async def test_refund_happens_once_when_the_worker_dies_after_committing(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    case = reliability(
        "worker SIGKILL during a tool activity",
        "the worker SIGKILLs itself after issue_refund and its ledger row commit",
        "a new worker finishes the run; 1 refund, 1 ledger row; the ledger answers the retry",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    settings, client, log = relay.settings, relay.client, tmp_path / "workers.log"

    async with worker_process(settings, log, RELAY_FAULT="tool-committed:issue_refund") as doomed:
        handle = await client.start_workflow(
            SupervisorWorkflow.run,
            GoalRequest(goal=SHOWCASE_GOAL, customer_id=SHOWCASE_CUSTOMER),
            id=f"kill-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
        )
        pending = await relay.next_pending(handle)
        assert pending.tool == "issue_refund"
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
        assert await doomed.wait() == -signal.SIGKILL, log.read_text()
        case.fault_injected()

    # The effect is committed and the worker is gone before telling anyone.
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    async with worker_process(settings, log):
        result = await handle.result()
        case.recovered()

    assert result.status == "completed", result.answer
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    ledger = relay.rows("SELECT * FROM tool_ledger WHERE tool = 'issue_refund'")
    assert len(ledger) == 1
    returns_child = next(t.workflow_id for t in result.tasks if t.agent == "returns")
    [refund] = [
        run
        for run in await relay.activity_runs(returns_child, "tool")
        if run.input["tool"] == "issue_refund" and not run.input["check_only"]
    ]
    assert refund.attempt == 2 and refund.result["replayed"] is True
    assert refund.result["data"] == json.loads(ledger[0]["result"])["data"]
    # relay status says the ledger answered the retry.
    status = await relay_cli("status", handle.id, env=env_for(relay))
    assert "↳ issue_refund(" in status.out, status.out
    assert "· ok, replayed from the ledger" in status.out
