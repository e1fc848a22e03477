"""`make bench-eager`: eager workflow start, measured. A goal started with
`request_eager_start` by a client whose process runs a worker for the goal's task queue (as
`relay demo`, `relay.testing.run_goal` and tests do) gets its first workflow task in the start
call's answer instead of from a poll. `BENCH_GOALS` (default 20) showcase goals, one at a time,
eager and not interleaved, on one in-process worker; prints each way's latency (p50, p90), the
time from the start to the first workflow task's start (from history), and whether the server
started the run eagerly. `relay run` and the HTTP service run no worker, so for them the
request is a no-op."""

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from benchmarks.showcase import seed_customers
from examples.shop.app import SHOWCASE_GOAL
from examples.shop.app import app as shop
from relay import ApprovalDecision, GoalRequest, Settings, SupervisorWorkflow, start_goal
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.worker import relay_worker


async def one(client: Client, queue: str, customer: str, eager: bool) -> tuple[float, float, bool]:
    """Latency (ms), first workflow task's start after the run's (ms), started eagerly."""
    started = time.perf_counter()
    handle: WorkflowHandle = await start_goal(
        client,
        GoalRequest(goal=SHOWCASE_GOAL, context={"customer_id": customer}),
        f"eager-{uuid.uuid4().hex[:10]}",
        queue,
        request_eager_start=eager,
    )
    while not (pending := await handle.query(SupervisorWorkflow.pending_approvals)):
        await asyncio.sleep(0.02)
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending[0].approval_id, approver="bench"),
    )
    result = await handle.result()
    assert result.status == "completed", result.answer
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
            customers = seed_customers(settings.db_path, 2 * goals + 2)
            await one(client, settings.task_queue, customers.pop(), False)  # warm up
            await one(client, settings.task_queue, customers.pop(), True)
            runs: dict[bool, list[tuple[float, float, bool]]] = {False: [], True: []}
            for _ in range(goals):
                for eager in (False, True):
                    runs[eager].append(
                        await one(client, settings.task_queue, customers.pop(), eager)
                    )
        print(f"{goals} showcase goals each way, one at a time, interleaved, in-process worker")
        print("| start | latency p50 | p90 | start -> first workflow task, p50 | started eagerly |")
        print("|---|---|---|---|---|")
        for eager, rows in runs.items():
            latencies = sorted(r[0] for r in rows)
            firsts = [r[1] for r in rows]
            print(
                f"| {'eager' if eager else 'plain'} | {statistics.median(latencies):.1f} ms | "
                f"{latencies[int(len(latencies) * 0.9) - 1]:.1f} ms | "
                f"{statistics.median(firsts):.1f} ms | {sum(r[2] for r in rows)} of {len(rows)} |"
            )
        print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
