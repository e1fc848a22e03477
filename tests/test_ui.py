"""What the Temporal Web UI shows of a run: summaries of the supervisor, its children and their
activities, a live progress table, and search attributes a person can filter by."""

import asyncio
import json
from typing import Any

from temporalio.client import Client, WorkflowHandle

from examples.shop.app import SHOWCASE_CUSTOMER, SHOWCASE_GOAL
from relay.agents.approvals import ApprovalDecision
from relay.agents.models import GoalRequest
from relay.agents.search_keys import (
    RELAY_AGENT,
    RELAY_COST_USD,
    RELAY_PENDING_APPROVALS,
    RELAY_STATUS,
)
from relay.client.goals import goal_summary
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay


async def current_details(handle: WorkflowHandle) -> str:
    metadata: Any = await handle.query("__temporal_workflow_metadata")  # a WorkflowMetadata
    return metadata.current_details


async def found_by(client: Client, query: str, within_seconds: float = 20.0) -> list[str]:
    """Workflow ids a visibility query finds; visibility lags a little behind the run."""
    for _ in range(int(within_seconds / 0.25)):
        ids = [w.id async for w in client.list_workflows(query)]
        if ids:
            return ids
        await asyncio.sleep(0.25)
    return []


async def activity_summaries(client: Client, workflow_id: str) -> list[str]:
    summaries = []
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            summaries.append(json.loads(event.user_metadata.summary.data))
    return summaries


async def test_the_web_ui_explains_a_run(relay: Relay) -> None:
    handle = await relay.start()
    pending = await relay.next_pending(handle)

    description = await handle.describe()
    assert await description.static_summary() == SHOWCASE_GOAL
    details = await description.static_details() or ""
    assert f"**Context**: customer_id={SHOWCASE_CUSTOMER}" in details and "**Budget**" in details
    progress = await current_details(handle)
    assert progress.startswith("**Tasks**\norders · orders · completed · 0.0000 USD\n")
    assert "**Waiting for approval**" in progress and pending.approval_id in progress

    waiting = await found_by(
        relay.client,
        f"RelayPendingApprovals > 0 AND RelayAgent = 'supervisor' AND WorkflowId = '{handle.id}'",
    )
    assert waiting == [handle.id]

    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
    )
    result = await handle.result()

    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(RELAY_AGENT) == "supervisor"
    assert attributes.get(RELAY_STATUS) == "completed"
    assert attributes.get(RELAY_PENDING_APPROVALS) == 0
    assert attributes.get(RELAY_COST_USD) == round(result.usage.cost_usd or 0.0, 6)

    returns = next(t for t in result.tasks if t.agent == "returns")
    child = await relay.client.get_workflow_handle(returns.workflow_id).describe()
    assert (await child.static_summary() or "").startswith("returns: ")
    assert child.typed_search_attributes.get(RELAY_AGENT) == "returns"
    assert child.typed_search_attributes.get(RELAY_STATUS) == "completed"

    child_activities = await activity_summaries(relay.client, returns.workflow_id)
    # The UI shows the activity type (llm, tool) already: summaries start with what is specific.
    assert "returns · step 1 · scripted" in child_activities
    assert "issue_refund · $79.00" in child_activities
    supervisor_activities = await activity_summaries(relay.client, handle.id)
    assert supervisor_activities[:2] == ["load tools and defaults", "plan · try 1 · scripted"]


def test_a_long_goal_is_shortened_for_the_summary() -> None:
    summary = goal_summary(GoalRequest(goal="return " * 100))
    assert len(summary) == 120 and summary.endswith("…") and "  " not in summary


def _fields(search_attributes: Any) -> dict[str, Any]:
    return {k: json.loads(p.data) for k, p in search_attributes.indexed_fields.items()}


async def bookkeeping(client: Client, workflow_id: str) -> tuple[dict, list[tuple], int]:
    """A run's search attributes at start, each upsert's (status, pending approvals), and the
    signals it sent."""
    at_start: dict[str, Any] = {}
    upserts: list[tuple] = []
    signals = 0
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.HasField("workflow_execution_started_event_attributes"):
            at_start = _fields(event.workflow_execution_started_event_attributes.search_attributes)
        elif event.HasField("upsert_workflow_search_attributes_event_attributes"):
            fields = _fields(
                event.upsert_workflow_search_attributes_event_attributes.search_attributes
            )
            upserts.append((fields["RelayStatus"], fields["RelayPendingApprovals"]))
        elif event.HasField("signal_external_workflow_execution_initiated_event_attributes"):
            signals += 1
    return at_start, upserts, signals


async def test_bookkeeping_is_what_the_ui_and_the_audit_need(relay: Relay) -> None:
    handle = await relay.start()
    result = await relay.approve_all(handle)

    for task in result.tasks:
        at_start, upserts, signals = await bookkeeping(relay.client, task.workflow_id)
        # An agent starts with its attributes and upserts only when its status changes.
        assert at_start["RelayAgent"] == task.agent and at_start["RelayStatus"] == "running"
        expected = [("completed", 0)]
        if task.agent == "returns":
            expected = [("waiting_for_approval", 1), ("running", 0), *expected]
            assert signals == 2  # the request, then the decision (audited and settled in one)
        assert upserts == expected, task.agent
    _, upserts, _ = await bookkeeping(relay.client, handle.id)
    assert upserts == [
        ("planning", 0),
        ("running", 0),
        ("waiting_for_approval", 1),
        ("running", 0),
        ("completed", 0),
    ]
    # The supervisor's view heard the decision: the goal's audit names it once, accepted.
    assert [(e.approver, e.accepted) for e in result.audit] == [("alice", True)]
