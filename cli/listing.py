"""`relay list` (recent goals, from visibility: no worker needed) and `relay cancel` (cancel a
goal, wait for its agents to undo what they did, and say what was undone)."""

import argparse
import asyncio
import json
from typing import Any

from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus

from relay.agents.search_keys import RELAY_COST_USD, RELAY_PENDING_APPROVALS, RELAY_STATUS
from relay.agents.tool_models import ToolObservation
from relay.cli.goals import existing_goal
from relay.client.errors import UserError
from relay.settings import Settings
from relay.temporal.connect import connect_client

STATES = {"running", "completed", "failed", "canceled", "terminated", "timed_out"}
CANCEL_WAIT_SECONDS = 120.0


def add_list_commands(sub: argparse._SubParsersAction) -> None:
    listing = sub.add_parser(
        "list",
        help="recent goals: id, status, task queue, requester, pending approvals, cost",
        description="Goals from the server's visibility store, newest first; works while no "
        "worker runs.",
    )
    listing.add_argument("--limit", type=int, default=20, help="at most this many (1-1000)")
    listing.add_argument("--state", choices=sorted(STATES), help="only goals in this state")
    listing.add_argument("--waiting", action="store_true", help="only goals waiting on people")
    listing.add_argument("--requester", metavar="NAME", help="only goals this person started")
    listing.add_argument("--json", action="store_true", help="one JSON object per goal")
    listing.set_defaults(handler=cmd_list)

    cancel = sub.add_parser(
        "cancel",
        help="cancel a goal; its agents undo what they did, and relay says what was undone",
    )
    cancel.add_argument("workflow_id", metavar="ID")
    cancel.set_defaults(handler=cmd_cancel)


def _query(args: argparse.Namespace) -> str:
    terms = ["WorkflowType = 'SupervisorWorkflow'"]
    if args.state:
        terms.append(f"ExecutionStatus = '{args.state.title().replace('_', '')}'")
    if args.waiting:
        terms.append(f"{RELAY_PENDING_APPROVALS.name} > 0")
    return " AND ".join(terms)


async def _row(listed: WorkflowExecution) -> dict[str, Any]:
    attributes = listed.typed_search_attributes
    state = listed.status.name.lower() if listed.status else "unknown"
    return {
        "id": listed.id,
        "status": attributes.get(RELAY_STATUS) or state,
        "state": state,
        "task_queue": listed.task_queue,
        "requester": (await listed.memo()).get("requested_by"),
        "pending_approvals": attributes.get(RELAY_PENDING_APPROVALS) or 0,
        "cost_usd": attributes.get(RELAY_COST_USD) or 0.0,
        "started": listed.start_time.isoformat(timespec="seconds") if listed.start_time else "",
    }


async def cmd_list(args: argparse.Namespace, settings: Settings) -> None:
    if not 1 <= args.limit <= 1000:
        raise UserError(f"--limit {args.limit}: 1-1000")
    client = await connect_client(settings)
    rows = []
    async for listed in client.list_workflows(_query(args), limit=args.limit * 5):
        row = await _row(listed)
        if args.requester and row["requester"] != args.requester:
            continue
        rows.append(row)
        if len(rows) == args.limit:
            break
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    if not rows:
        print("no goals")
        return
    print(f"{'id':<28} {'status':<22} {'queue':<16} {'requester':<12} {'waits':>5} {'cost':>9}")
    for r in rows:
        print(
            f"{r['id'][:28]:<28} {r['status'][:22]:<22} {r['task_queue'][:16]:<16} "
            f"{(r['requester'] or '-')[:12]:<12} {r['pending_approvals']:>5} "
            f"${r['cost_usd']:>8.4f}"
        )


async def cmd_cancel(args: argparse.Namespace, settings: Settings) -> None:
    client = await connect_client(settings)
    handle = await existing_goal(client, args.workflow_id)
    described = await handle.describe()
    if described.status != WorkflowExecutionStatus.RUNNING:
        state = described.status.name.lower() if described.status else "not running"
        raise UserError(f"goal {handle.id} is {state}; there is nothing to cancel")
    await handle.cancel()
    print(f"cancel requested for {handle.id}; waiting for its agents to undo their effects")
    for _ in range(int(CANCEL_WAIT_SECONDS / 0.5)):
        described = await handle.describe()
        if described.status != WorkflowExecutionStatus.RUNNING:
            break
        await asyncio.sleep(0.5)
    else:
        raise UserError(f"goal {handle.id} is still closing after {CANCEL_WAIT_SECONDS:g} s")
    state = described.status.name.lower() if described.status else "closed"
    undone = await undone_effects(client, handle.id)
    print(f"{handle.id}: {state}")
    for line in undone or ["nothing was undone (no effect had happened)"]:
        print(f"  {line}")


async def undone_effects(client: Client, goal_id: str) -> list[str]:
    """The compensations the goal's runs made (their `undo` tool calls), and how they ended."""
    runs = [goal_id] + [
        w.id async for w in client.list_workflows(f"WorkflowId STARTS_WITH '{goal_id}/'")
    ]
    lines = []
    for run in runs:
        undo: dict[int, str] = {}
        async for event in client.get_workflow_handle(run).fetch_history_events():
            if event.HasField("activity_task_scheduled_event_attributes"):
                summary = event.user_metadata.summary.data.decode(errors="replace").strip('"')
                if summary.startswith("undo · "):
                    undo[event.event_id] = summary.removeprefix("undo · ")
            elif event.HasField("activity_task_completed_event_attributes"):
                done = event.activity_task_completed_event_attributes
                if done.scheduled_event_id in undo:
                    [answer] = await client.data_converter.decode(
                        done.result.payloads[:1], [ToolObservation]
                    )
                    verdict = "done" if answer.ok else f"FAILED: {answer.error}"
                    lines.append(f"undone: {undo[done.scheduled_event_id]} ({verdict})")
            elif event.HasField("activity_task_failed_event_attributes"):
                failed = event.activity_task_failed_event_attributes
                if failed.scheduled_event_id in undo:
                    lines.append(f"undone: {undo[failed.scheduled_event_id]} (FAILED)")
    return lines
