"""`make bench-eager`: three ways to start a goal and wait for its approval, measured.

- plain: start the goal, then wait on its `next_approvals` update (what `relay run --wait` does);
- eager: the same with `request_eager_start`: a client whose process runs a worker for the
  goal's task queue (as `relay demo`, `relay.testing.run_goal` and tests do) gets the first
  workflow task in the start call's answer instead of from a poll (`relay run` and the HTTP
  service run no worker, so for them the request is a no-op);
- update-with-start: the start and the wait in one call (`execute_update_with_start_workflow`;
  it cannot be eager).

`BENCH_GOALS` (default 20) showcase goals each way, one at a time, interleaved, on one
in-process worker; prints each way's latency (p50, p90), the time from the start to the first
workflow task's start (from history), and how many the server started eagerly."""

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from benchmarks.showcase import approved, seed_customers
from examples.shop.app import SHOWCASE_GOAL
from examples.shop.app import app as shop
from relay import GoalRequest, Settings, SupervisorWorkflow, start_goal
from relay.agents.approvals import ApprovalsSeen
from relay.client.goals import goal_summary
from relay.client.waiting import next_pending
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.worker import relay_worker

WAYS = ("plain", "eager", "update-with-start")


async def one(client: Client, queue: str, customer: str, way: str) -> tuple[float, float, bool]:
    """Latency (ms), first workflow task's start after the run's (ms), started eagerly."""
    started = time.perf_counter()
    request = GoalRequest(goal=SHOWCASE_GOAL, context={"customer_id": customer})
    workflow_id = f"eager-{uuid.uuid4().hex[:10]}"
    if way == "update-with-start":
        start = WithStartWorkflowOperation(
            SupervisorWorkflow.run,
            request,
            id=workflow_id,
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            static_summary=goal_summary(request),
        )
        pending = await client.execute_update_with_start_workflow(
            SupervisorWorkflow.next_approvals, ApprovalsSeen(), start_workflow_operation=start
        )
        handle: WorkflowHandle = await start.workflow_handle()
    else:
        handle = await start_goal(
            client, request, workflow_id, queue, request_eager_start=way == "eager"
        )
        pending = await next_pending(handle, set())
    await approved(handle, pending)
    latency = (time.perf_counter() - started) * 1000
    events = (await handle.fetch_history()).events
    first_task = next(e for e in events if e.HasField("workflow_task_started_event_attributes"))
    to_first = first_task.event_time.ToDatetime() - events[0].event_time.ToDatetime()
    return (
        latency,
        to_first.total_seconds() * 1000,
        bool(getattr(handle, "__temporal_eagerly_started", False)),
    )


async def main() -> None:
    goals = int(os.environ.get("BENCH_GOALS", "20"))
    tmp = Path(tempfile.mkdtemp(prefix="relay-eager-"))
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None).start()
    try:
        settings = Settings(
            temporal_address=server.address,
            task_queue=f"eager-{uuid.uuid4().hex[:6]}",
            data_dir=tmp,
            db_path=tmp / "shop.db",
        )
        client = await connect_client(settings, wait_seconds=30)
        async with relay_worker(client, settings, shop) as worker, worker:
            customers = seed_customers(settings.db_path, len(WAYS) * (goals + 1))
            for way in WAYS:  # warm up
                await one(client, settings.task_queue, customers.pop(), way)
            runs: dict[str, list[tuple[float, float, bool]]] = {way: [] for way in WAYS}
            for _ in range(goals):
                for way in WAYS:
                    runs[way].append(await one(client, settings.task_queue, customers.pop(), way))
        print(f"{goals} showcase goals each way, one at a time, interleaved, in-process worker")
        print("| start | latency p50 | p90 | start -> first workflow task, p50 | started eagerly |")
        print("|---|---|---|---|---|")
        for way, rows in runs.items():
            latencies = sorted(r[0] for r in rows)
            firsts = [r[1] for r in rows]
            print(
                f"| {way} | {statistics.median(latencies):.1f} ms | "
                f"{latencies[int(len(latencies) * 0.9) - 1]:.1f} ms | "
                f"{statistics.median(firsts):.1f} ms | {sum(r[2] for r in rows)} of {len(rows)} |"
            )
        print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
