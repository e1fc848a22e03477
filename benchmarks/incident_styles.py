"""`make bench-incident`: the incident example as choreography (events between agents) and as
orchestration (one supervisor goal planning triage → remediation → comms), on one dev server
with one worker (scripted model, the restart approved as soon as it is asked).

Prints, per style, over BENCH_INCIDENTS runs (default 10), interleaved: latency from the alert
to the last effect (p50, max), workflow runs per incident, history events and bytes per
incident; then how one rejected restart looks in each style (statuses and what got posted).
The load average is printed with the numbers."""

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from examples.incident.app import ALERT, INCIDENT_GOAL
from examples.incident.app import app as incident
from relay.agents.approvals import DecisionRequest, PendingApproval
from relay.agents.chains import chain_workflow_id
from relay.agents.events import Event
from relay.agents.models import GoalRequest, GoalResult
from relay.agents.search_keys import RELAY_CHAIN
from relay.client.goals import start_goal
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.temporal.events import start_event
from relay.worker import relay_worker
from relay.workflows.supervisor import SupervisorWorkflow

Outcome = tuple[float, list[str]]  # seconds, the workflow ids of every run


async def _decide(client: Client, goal_ids: list[str], approve: bool) -> None:
    for goal_id in goal_ids:
        handle = client.get_workflow_handle(goal_id)
        try:
            pending: list[PendingApproval] = await handle.query(
                SupervisorWorkflow.pending_approvals
            )
        except RPCError:  # it ended between the listing and the query
            continue
        for p in pending:
            decision = DecisionRequest(
                approval_id=p.approval_id, approver="oncall", approve=approve
            )
            await handle.execute_update(SupervisorWorkflow.decide, decision)


async def _ids(client: Client, query: str) -> list[str]:
    return [run.id async for run in client.list_workflows(query)]


async def choreography(client: Client, settings: Settings, approve: bool) -> Outcome:
    chain = f"alert-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    event = Event(type="alert.fired", id=chain, app="incident", data=ALERT, emitted_by="bench")
    await start_event(client, event, settings.queue_for("incident"))
    ledger = client.get_workflow_handle(chain_workflow_id("incident", chain))
    in_chain = f"{RELAY_CHAIN.name} = '{chain}'"
    while True:
        try:
            if (await ledger.describe()).close_time is not None:
                break
        except RPCError:  # not admitted yet
            pass
        goals = await _ids(client, f"WorkflowType = 'SupervisorWorkflow' AND {in_chain}")
        await _decide(client, goals, approve)
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - started
    await asyncio.sleep(2)  # visibility catches up before the runs are counted
    return seconds, await _ids(client, in_chain)


async def orchestration(client: Client, settings: Settings, approve: bool) -> Outcome:
    goal_id = f"incident-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    request = GoalRequest(
        goal=INCIDENT_GOAL, context=ALERT, app="incident", app_digest=incident.digest
    )
    handle = await start_goal(client, request, goal_id, settings.queue_for("incident"))
    result = asyncio.ensure_future(handle.result())
    while not result.done():
        await _decide(client, [goal_id], approve)
        await asyncio.wait([result], timeout=0.05)
    seconds = time.perf_counter() - started
    await asyncio.sleep(2)
    return seconds, [goal_id] + await _ids(client, f"WorkflowId STARTS_WITH '{goal_id}/'")


def _break_checkout(db: Path) -> None:
    """Every run starts from the same outage (the last one's restart healed the service)."""
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE services SET healthy = 0, error_rate = 0.12 WHERE name = ?", (ALERT["service"],)
        )


async def _history(client: Client, ids: list[str]) -> tuple[int, int]:
    events = size = 0
    for workflow_id in ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        events += len(history.events)
        size += sum(e.ByteSize() for e in history.events)
    return events, size


async def _failure(client: Client, settings: Settings, style: str) -> str:
    play: Callable[[Client, Settings, bool], Awaitable[Outcome]] = (
        choreography if style == "choreography" else orchestration
    )
    _break_checkout(settings.db_path)
    _, ids = await play(client, settings, False)
    lines = []
    for workflow_id in sorted(ids):
        handle: WorkflowHandle = client.get_workflow_handle(workflow_id)
        if (await handle.describe()).workflow_type == "SupervisorWorkflow":
            result = await client.get_workflow_handle(workflow_id, result_type=GoalResult).result()
            tasks = ", ".join(f"{t.agent} {t.status}" for t in result.tasks)
            lines.append(f"  {workflow_id}: {result.status} ({tasks})")
    return "\n".join(lines)


async def main() -> None:
    runs = int(os.environ.get("BENCH_INCIDENTS", "10"))
    tmp = Path(tempfile.mkdtemp())
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None).start()
    settings = Settings(
        temporal_address=server.address, task_queue="bench", data_dir=tmp, db_path=tmp / "i.db"
    )
    client = await connect_client(settings, wait_seconds=30)
    styles = {"choreography": choreography, "orchestration": orchestration}
    measured: dict[str, list[tuple[float, int, int, int]]] = {s: [] for s in styles}
    try:
        async with relay_worker(client, settings, incident) as worker, worker:
            for _ in range(runs):
                for style, play in styles.items():
                    _break_checkout(settings.db_path)
                    seconds, ids = await play(client, settings, True)
                    events, size = await _history(client, ids)
                    measured[style].append((seconds, len(ids), events, size))
            failures = {style: await _failure(client, settings, style) for style in styles}
    finally:
        server.stop()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"incident, {runs} runs per style, interleaved; load average {load}; {os.cpu_count()} CPUs"
    )
    print("| style | p50 s | max s | runs | history events | history KiB |")
    print("|---|---|---|---|---|---|")
    for style, rows in measured.items():
        seconds = [r[0] for r in rows]
        runs_of, events = statistics.mean(r[1] for r in rows), statistics.mean(r[2] for r in rows)
        print(
            f"| {style} | {statistics.median(seconds):.2f} | {max(seconds):.2f} | {runs_of:.0f} | "
            f"{events:.0f} | {statistics.mean(r[3] for r in rows) / 1024:.1f} |"
        )
    for style, text in failures.items():
        print(f"a rejected restart, {style}:\n{text}")


if __name__ == "__main__":
    asyncio.run(main())
