"""Approving with edited arguments: the edits run only after the tool's argument model and guard
accept them, a signature covers them, and the audit keeps what was asked and what ran."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.client import WorkflowUpdateFailedError

from relay.agents.approvals import DecisionRequest, PendingApproval, sign_decision, with_edits
from relay.client.replay import replay_workflow
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.test_cli import env_for

SECRET = "test-approval-secret"


def approval(
    pending: PendingApproval, approver: str = "fiona", **changes: object
) -> DecisionRequest:
    return DecisionRequest(
        approval_id=pending.approval_id,
        approver=approver,
        approve=True,
        edited_arguments=with_edits(pending, changes),
    )


def signed(request: DecisionRequest, pending: PendingApproval) -> DecisionRequest:
    return sign_decision(request, pending, SECRET, datetime.now(UTC) + timedelta(minutes=5))


def another_customers_return(relay: Relay) -> str:
    """A return on C-1002's order, which the showcase's customer C-1001 may not touch."""
    assert relay.settings.db_path is not None
    with sqlite3.connect(relay.settings.db_path) as db:
        db.execute(
            "INSERT INTO returns (id, order_id, product_id, reason, status, refund_cents, "
            "created_at) VALUES ('R-9999', 'O-5003', 'P-103', 'test', 'open', 9000, 'now')"
        )
    return "R-9999"


async def refused(relay: Relay, handle: object, request: DecisionRequest) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(SupervisorWorkflow.decide, request)  # type: ignore[attr-defined]
    return str(failed.value.cause)


async def test_an_approver_lowers_the_refund_and_the_lower_amount_is_paid(
    temporal_server, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, approval_secret=SecretStr(SECRET)) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        assert (pending.tool, pending.arguments["amount"]) == ("issue_refund", 79.0)

        # The tool's argument model: a refund is above zero.
        assert "edited arguments for issue_refund: amount:" in await refused(
            relay, handle, signed(approval(pending, amount=-5), pending)
        )
        # Its guard: another customer's return is refused before anything is approved.
        other = another_customers_return(relay)
        assert (
            "edited arguments for issue_refund: refused: return R-9999 belongs to another "
            "customer, not to C-1001"
        ) in await refused(relay, handle, signed(approval(pending, return_id=other), pending))
        # A signature made for the decision without edits does not cover them.
        plain = signed(
            DecisionRequest(approval_id=pending.approval_id, approver="fiona", approve=True),
            pending,
        )
        forged = plain.model_copy(update={"edited_arguments": with_edits(pending, {"amount": 1})})
        assert "signature does not match" in await refused(relay, handle, forged)
        # Only an approval edits.
        rejection = signed(approval(pending, amount=40), pending).model_copy(
            update={"approve": False}
        )
        assert "only an approval can edit the arguments" in await refused(
            relay, handle, signed(rejection, pending)
        )

        record = await handle.execute_update(
            SupervisorWorkflow.decide, signed(approval(pending, amount=40), pending)
        )
        result = await handle.result()
        for run in (handle.id, pending.workflow_id):  # the edits' checks replay as they ran
            assert await replay_workflow(relay.client, run) is None

    assert record.arguments["amount"] == 79.0 and record.edited_arguments == {
        **pending.arguments,
        "amount": 40,
    }
    assert result.status == "completed"
    assert [r["amount_cents"] for r in relay.rows("SELECT * FROM refunds")] == [4000]
    [settled] = result.approvals
    assert settled.edited_arguments is not None and settled.edited_arguments["amount"] == 40
    refusals = [e for e in result.audit if not e.accepted]
    assert [e.edited_arguments["amount"] for e in refusals if e.edited_arguments] == [
        -5,
        79.0,
        1,
        40,
    ]
    [taken] = [e for e in result.audit if e.accepted]
    assert taken.edited_arguments == record.edited_arguments and taken.signed


async def test_relay_approve_edit_changes_only_the_named_fields(relay: Relay) -> None:
    handle = await relay.start()
    pending = await relay.next_pending(handle)
    env = env_for(relay)

    bad = await relay_cli("approve", handle.id, "--as", "fiona", "--edit", "{amount", env=env)
    assert bad.code == 1 and bad.err.strip().startswith("relay: error: --edit is not JSON")

    done = await relay_cli(
        "approve", handle.id, "--as", "fiona", "--edit", '{"amount": 40}', env=env
    )
    assert done.code == 0, done.err
    assert (
        f"{pending.approval_id}: approved by fiona with" in done.out and "'amount': 40" in done.out
    )
    assert (await handle.result()).status == "completed"
    assert [r["amount_cents"] for r in relay.rows("SELECT * FROM refunds")] == [4000]
