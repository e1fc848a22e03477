"""Authorized approvals through real runs: who may decide, no self-approval, signed decisions,
and an audit list that holds every decision, the refused ones too."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from examples.shop.app import SHOWCASE_CUSTOMER, SHOWCASE_GOAL
from relay.agents.approvals import (
    ApprovalDecision,
    ApprovalPolicy,
    ApproverRule,
    DecisionRequest,
    PendingApproval,
    call_digest,
    sign_decision,
)
from relay.agents.models import GoalRequest
from relay.client.goals import start_goal
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.reliability import Describe
from tests.test_cli import env_for

SECRET = "test-approval-secret"
POLICY = ApprovalPolicy(
    roles={"finance": ["fiona", "ada"]},
    rules=[ApproverRule(tool="issue_refund", approvers=["role:finance"])],
)


def signed(
    pending: PendingApproval,
    approver: str,
    secret: str = SECRET,
    valid_for: timedelta = timedelta(minutes=5),
) -> DecisionRequest:
    request = DecisionRequest(approval_id=pending.approval_id, approver=approver, approve=True)
    return sign_decision(request, pending, secret, datetime.now(UTC) + valid_for)


async def refusal(handle: WorkflowHandle, request: DecisionRequest) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(SupervisorWorkflow.decide, request)
    return str(failed.value.cause)


@pytest.mark.faults
async def test_only_an_authorized_signed_decision_releases_the_refund(
    reliability: Describe, temporal_server, tmp_path: Path
) -> None:
    reliability(
        "unauthorized identity, self-approval, forged signature",
        "decisions by a non-approver, by the requester, with a wrong key, expired, unsigned",
        "each refused and audited, no refund until the authorized signed decision",
    )
    async with running_relay(
        temporal_server, tmp_path, approval_policy=POLICY, approval_secret=SecretStr(SECRET)
    ) as relay:
        handle = await relay.start(requested_by="ada")
        pending = await relay.next_pending(handle)
        assert (pending.tool, pending.approvers, pending.requested_by) == (
            "issue_refund",
            ["fiona", "ada"],
            "ada",
        )

        assert "mallory is not allowed to decide issue_refund; allowed: fiona, ada" in (
            await refusal(handle, signed(pending, "mallory"))
        )
        assert "ada requested this goal and cannot decide their own issue_refund" in (
            await refusal(handle, signed(pending, "ada"))
        )
        assert "signature does not match" in (
            await refusal(handle, signed(pending, "fiona", secret="guessed"))
        )
        assert "expired" in (
            await refusal(handle, signed(pending, "fiona", valid_for=timedelta(minutes=-1)))
        )
        # A plain signal claiming to be fiona: ignored (a signal has no answer), and audited.
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="fiona"),
        )
        still = await handle.query(SupervisorWorkflow.pending_approvals)
        assert [p.approval_id for p in still] == [pending.approval_id]
        assert relay.rows("SELECT * FROM refunds") == []

        env = env_for(relay) | {"RELAY_APPROVAL_SECRET": SECRET}
        approved = await relay_cli("approve", handle.id, "--as", "fiona", env=env)
        assert approved.code == 0, approved.err
        assert f"{pending.approval_id}: approved by fiona" in approved.out
        result = await handle.result()

    assert result.status == "completed"
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    assert [(a.verdict, a.approver) for a in result.approvals] == [("approved", "fiona")]
    audit = [(a.approver, a.accepted, a.signed) for a in result.audit]
    assert audit == [
        ("mallory", False, False),
        ("ada", False, False),
        ("fiona", False, False),
        ("fiona", False, False),
        ("fiona", False, False),
        ("fiona", True, True),
    ]
    assert "not signed" in (result.audit[4].refusal or "")
    assert {(a.approval_id, a.tool) for a in result.audit} == {
        (pending.approval_id, "issue_refund")
    }


async def test_without_a_policy_anyone_but_the_requester_decides(relay: Relay) -> None:
    handle = await relay.start(requested_by="sam")
    pending = await relay.next_pending(handle)
    assert (pending.approvers, pending.requested_by) == (["*"], "sam")
    request = DecisionRequest(approval_id=pending.approval_id, approver="sam", approve=True)
    assert "sam requested this goal" in await refusal(handle, request)

    record = await handle.execute_update(
        SupervisorWorkflow.decide, request.model_copy(update={"approver": "alice"})
    )
    assert (record.verdict, record.approver) == ("approved", "alice")
    result = await handle.result()
    assert [(a.approver, a.accepted) for a in result.audit] == [("sam", False), ("alice", True)]


async def test_signals_to_an_unknown_approval_are_audited(relay: Relay) -> None:
    handle = await relay.start()
    pending = await relay.next_pending(handle)
    await handle.signal(
        SupervisorWorkflow.reject, ApprovalDecision(approval_id="made-up", approver="eve")
    )
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
    )
    result = await handle.result()

    [refused, accepted] = result.audit
    assert (refused.approval_id, refused.accepted, refused.refusal) == (
        "made-up",
        False,
        "no pending approval 'made-up'",
    )
    assert (accepted.approver, accepted.accepted) == ("alice", True)


async def test_a_signed_decision_counts_for_its_own_run_and_call_only(
    temporal_server, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, approval_secret=SecretStr(SECRET)) as relay:
        goal_id = f"signed-{uuid.uuid4().hex[:8]}"
        request = GoalRequest(goal=SHOWCASE_GOAL, customer_id=SHOWCASE_CUSTOMER)
        queue = relay.settings.task_queue
        first = await start_goal(relay.client, request, goal_id, queue)
        first_pending = await relay.next_pending(first)
        fiona_said = signed(first_pending, "fiona")
        await first.execute_update(SupervisorWorkflow.decide, fiona_said)
        assert (await first.result()).status == "completed"
        relay.rows("UPDATE returns SET status = 'cancelled'")  # the item may be returned again

        # A new run of the same id asks the same question under the same approval id.
        second = await start_goal(relay.client, request, goal_id, queue, new_run=True)
        pending = await relay.next_pending(second)
        assert pending.approval_id == first_pending.approval_id
        assert (pending.run_id, pending.nonce) != (first_pending.run_id, first_pending.nonce)

        # Fiona's signed decision, read from the first run's history, replayed onto this one.
        assert "signed for another run, request or call" in await refusal(second, fiona_said)
        await second.signal(SupervisorWorkflow.approve, fiona_said)
        # Signed for this run and request, but for another amount than the one asked.
        other_call = pending.model_copy(
            update={"call_digest": call_digest(pending.tool, pending.arguments | {"amount": 1})}
        )
        assert "signed for another run, request or call" in await refusal(
            second, signed(other_call, "fiona")
        )
        still = await second.query(SupervisorWorkflow.pending_approvals)
        assert [p.approval_id for p in still] == [pending.approval_id]

        await second.execute_update(SupervisorWorkflow.decide, signed(pending, "fiona"))
        result = await second.result()

    assert result.status == "completed"
    assert [(a.accepted, a.signed) for a in result.audit] == [
        (False, False),
        (False, False),
        (False, False),
        (True, True),
    ]
    assert len(relay.rows("SELECT * FROM refunds")) == 2  # one per run, each approved for it
