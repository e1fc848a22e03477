"""`make bench`: what one showcase goal costs relay, with production worker settings.

The showcase (scripted model, the refund approved by the client) against a tuned dev server
and a `relay worker` process: latency per goal (one at a time), goals/s with N at once, the
worker's CPU milliseconds per goal (from /proc), events and bytes of history per goal
(supervisor and agents), and replay time of one goal's histories, cold (first replay in the
process) and warm. Numbers, not pass/fail. `BENCH_GOALS` (default 20) and `BENCH_CONCURRENT`
(default 50) size the runs.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Replayer

from examples.shop.app import SHOWCASE_GOAL
from examples.shop.data import setup
from relay import ApprovalDecision, GoalRequest, Settings, SupervisorWorkflow, start_goal
from relay.temporal.codec import data_converter
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.tools.store import connect
from relay.worker import RUNNER, WORKFLOWS

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, in milliseconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS


def seed_customers(db_path: Path, count: int) -> list[str]:
    """Customers who each bought the blue shirt six days ago, so every goal makes the same
    return and refund (the showcase's own customer can return it only once)."""
    db = connect(db_path)
    try:
        setup(db)
        placed = (datetime.now(UTC) - timedelta(days=6)).isoformat()
        customers = [f"C-{5000 + n}" for n in range(count)]
        for n, customer in enumerate(customers):
            db.execute("INSERT INTO customers VALUES (?, ?, ?)", (customer, "Bench", None))
            order = f"O-{80000 + n}"
            db.execute(
                "INSERT INTO orders VALUES (?, ?, ?, 'delivered')", (order, customer, placed)
            )
            db.execute("INSERT INTO order_items VALUES (?, 'P-101', 1, 7900)", (order,))
    finally:
        db.close()
    return customers


async def one_goal(
    client: Client, queue: str, customer: str, poll_seconds: float = 0.05
) -> tuple[WorkflowHandle, float]:
    started = time.perf_counter()
    handle = await start_goal(
        client,
        GoalRequest(goal=SHOWCASE_GOAL, context={"customer_id": customer}),
        f"bench-{uuid.uuid4().hex[:10]}",
        queue,
    )
    while not (pending := await handle.query(SupervisorWorkflow.pending_approvals)):
        await asyncio.sleep(poll_seconds)
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending[0].approval_id, approver="bench"),
    )
    result = await handle.result()
    assert result.status == "completed", result.answer
    return handle, (time.perf_counter() - started) * 1000


async def history_of(client: Client, handle: WorkflowHandle) -> tuple[int, int, list]:
    """Events and bytes of a goal's histories (supervisor and agents), and the histories."""
    result = await handle.result()
    ids = [handle.id, *(t.workflow_id for t in result.tasks)]
    histories = [await client.get_workflow_handle(i).fetch_history() for i in ids]
    events = sum(len(h.events) for h in histories)
    size = sum(len(h.to_json().encode()) for h in histories)
    return events, size, histories


async def replay_ms(histories: list) -> float:
    replayer = Replayer(
        workflows=WORKFLOWS, workflow_runner=RUNNER, data_converter=data_converter(None)
    )
    started = time.perf_counter()
    for history in histories:
        await replayer.replay_workflow(history)
    return (time.perf_counter() - started) * 1000


async def main() -> None:
    goals = int(os.environ.get("BENCH_GOALS", "20"))
    concurrent = int(os.environ.get("BENCH_CONCURRENT", "50"))
    tmp = Path(tempfile.mkdtemp())
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None).start()
    settings = Settings(temporal_address=server.address, task_queue="bench", data_dir=tmp)
    customers = iter(seed_customers(tmp / "shop.db", 1 + goals + concurrent))
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": server.address,
        "RELAY_TASK_QUEUE": "bench",
        "RELAY_DATA_DIR": str(tmp),
        "RELAY_DB": str(tmp / "shop.db"),
    }
    log = (tmp / "worker.log").open("wb")
    print(f"worker log: {tmp / 'worker.log'}")
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "relay"),
        "worker",
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        client = await connect_client(settings, wait_seconds=30)
        # Warm up first: imports, caches, connections.
        handle, _ = await one_goal(client, "bench", next(customers))
        cpu_before = cpu_ms(worker.pid)
        latencies = [(await one_goal(client, "bench", next(customers)))[1] for _ in range(goals)]
        cpu_per_goal = (cpu_ms(worker.pid) - cpu_before) / goals
        started = time.perf_counter()
        batch = [next(customers) for _ in range(concurrent)]
        await asyncio.gather(*(one_goal(client, "bench", customer) for customer in batch))
        rate = concurrent / (time.perf_counter() - started)
        events, size, histories = await history_of(client, handle)
        cold = await replay_ms(histories)
        warm = await replay_ms(histories)
    finally:
        worker.kill()
        await worker.wait()
        server.stop()
    p50, p95 = statistics.median(latencies), statistics.quantiles(latencies, n=20)[18]
    print(f"showcase goal, {goals} one at a time: latency p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    print(f"{concurrent} at once: {rate:.2f} goals/s")
    print(f"worker CPU per goal: {cpu_per_goal:.0f} ms")
    print(f"history per goal: {events} events, {size / 1024:.1f} KiB (JSON, 4 workflows)")
    print(f"replay of one goal's 4 histories: cold {cold:.0f} ms, warm {warm:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
