"""What the service reads from event histories, which every replica sees alike: a goal's
progress as Server-Sent Events (the history event id is the SSE id, so a client that
reconnects with Last-Event-ID resumes exactly where it left off, on any replica), and the
evidence behind an approval (the tool results its agent had seen)."""

import json
from collections.abc import AsyncIterator
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from relay.agents.models import AgentResult, GoalResult
from relay.agents.search_keys import RELAY_COST_USD, RELAY_PENDING_APPROVALS, RELAY_STATUS
from relay.temporal.goal_history import decoded, tool_results

CHILD_ENDED = {
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: "completed",
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED: "failed",
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED: "cancelled",
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT: "timed_out",
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: "terminated",
}
GOAL_ENDED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "cancelled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "timed_out",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: "terminated",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: "continued_as_new",
}
SEARCH_FIELDS = {
    RELAY_STATUS.name: "status",
    RELAY_PENDING_APPROVALS.name: "pending_approvals",
    RELAY_COST_USD.name: "cost_usd",
}
EVIDENCE_ITEMS = 10  # the latest tool results of the agent
EVIDENCE_CHARS = 2000  # of each, as JSON


async def progress_event(client: Client, event: HistoryEvent) -> tuple[str, dict[str, Any]] | None:
    """A supervisor history event as (SSE event name, data), or None for bookkeeping. An end
    carries relay's status (an agent's `unverified`, a goal's `partial` or `rejected`) and
    Temporal's as `execution`."""
    kind = event.event_type
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        return "started", {}
    if kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
        child = event.child_workflow_execution_started_event_attributes.workflow_execution
        return "agent_started", {"workflow_id": child.workflow_id}
    if kind in CHILD_ENDED:
        attributes = _child_attributes(event)
        agent = None
        if kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
            agent = await decoded(client, attributes.result, AgentResult)
        return "agent_ended", {
            "workflow_id": attributes.workflow_execution.workflow_id,
            "status": agent.status if agent is not None else CHILD_ENDED[kind],
            "execution": CHILD_ENDED[kind],
        }
    if kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
        changed = {
            SEARCH_FIELDS[name]: json.loads(payload.data)
            for name, payload in fields.indexed_fields.items()
            if name in SEARCH_FIELDS
        }
        return ("progress", changed) if changed else None
    if kind in GOAL_ENDED:
        goal = None
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            result = event.workflow_execution_completed_event_attributes.result
            goal = await decoded(client, result, GoalResult)
        status = goal.status if goal is not None else GOAL_ENDED[kind]
        return "ended", {"status": status, "execution": GOAL_ENDED[kind]}
    return None


def _child_attributes(event: HistoryEvent) -> Any:
    for name in (
        "child_workflow_execution_completed_event_attributes",
        "child_workflow_execution_failed_event_attributes",
        "child_workflow_execution_canceled_event_attributes",
        "child_workflow_execution_timed_out_event_attributes",
        "child_workflow_execution_terminated_event_attributes",
    ):
        if event.HasField(name):
            return getattr(event, name)
    raise ValueError(f"event {event.event_id} is not a child's end")


async def progress_stream(client: Client, handle: WorkflowHandle, after: int) -> AsyncIterator[str]:
    """SSE messages for the goal's progress after event `after`, until the goal ends."""
    async for event in handle.fetch_history_events(wait_new_event=True):
        if event.event_id <= after:
            continue
        shown = await progress_event(client, event)
        if shown is not None:
            name, data = shown
            body = json.dumps({"goal_id": handle.id, **data})
            yield f"id: {event.event_id}\nevent: {name}\ndata: {body}\n\n"


async def evidence(client: Client, agent_workflow_id: str) -> list[dict[str, Any]]:
    """The agent's latest tool results: what it had seen when it asked for a human."""
    seen = [
        {
            "tool": request.tool,
            "arguments": request.arguments,
            "ok": observation.ok,
            "result": json.dumps(observation.data or observation.error)[:EVIDENCE_CHARS],
        }
        for request, observation in await tool_results(client, agent_workflow_id)
    ]
    return seen[-EVIDENCE_ITEMS:]
