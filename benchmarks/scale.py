"""`make bench-scale`: the same batch of showcase goals against 1, 2 and 4 `relay worker`
processes on one dev server, with the scripted model answering in 300-800 ms (a real model's
latency); then 4 workers with one SIGKILLed mid-batch. Prints goals/s, p50/p95 latency, whether
every goal made exactly its one return and one refund, and how long the killed worker's
activities took to be picked up by the others. `BENCH_GOALS` (default 100)."""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from benchmarks.showcase import one_goal, seed_customers
from relay import Settings
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.tools.store import connect

LATENCY = "300-800"
RELAY = str(Path(sys.executable).parent / "relay")


async def start_workers(count: int, env: dict[str, str], log: Path) -> list:
    out = log.open("ab")
    return [
        await asyncio.create_subprocess_exec(RELAY, "worker", env=env, stdout=out, stderr=out)
        for _ in range(count)
    ]


def identity(worker: asyncio.subprocess.Process) -> str:
    """The SDK's default worker identity: pid@host."""
    return f"{worker.pid}@{os.uname().nodename}"


async def until_polled(client: Client, workers: list, queue: str = "scale") -> None:
    """Wait until these workers poll the queue (a worker process takes seconds to start); the
    server lists the pollers it saw recently, so after 30 s the run goes on regardless."""
    expected = {identity(w) for w in workers}
    seen: set[str] = set()
    for _ in range(150):
        for kind in (
            TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        ):
            described = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=kind,
                )
            )
            seen |= {p.identity for p in described.pollers}
        if expected <= seen:
            return
        await asyncio.sleep(0.2)
    print(f"  (not all workers seen polling after 30 s: {sorted(expected - seen)})")


async def stop(workers: list) -> None:
    for worker in workers:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()


async def orphaned(client: Client, goals: list[str], identity: str) -> int:
    """Activities of these goals still held by a worker identity (that worker is dead)."""
    held = 0
    for goal in goals:
        for workflow_id in (goal, f"{goal}/orders-1", f"{goal}/catalog-1", f"{goal}/returns-1"):
            try:
                described = await client.get_workflow_handle(workflow_id).describe()
            except Exception:  # not started yet
                continue
            pending = described.raw_description.pending_activities
            held += sum(1 for a in pending if a.last_worker_identity == identity)
    return held


async def batch(
    client: Client, customers: list[str], kill: asyncio.subprocess.Process | None = None
) -> tuple[list[float], float, float | None]:
    """Run the goals at once; with `kill`, SIGKILL that worker once a quarter are done and
    measure until none of its activities is still held by it."""
    started = time.perf_counter()
    tasks = [asyncio.ensure_future(one_goal(client, "scale", c, 0.5)) for c in customers]
    picked_up = None
    if kill is not None:
        while sum(t.done() for t in tasks) < len(tasks) // 4:
            await asyncio.sleep(0.2)
        kill.kill()
        killed_at = time.perf_counter()
        ids = await running_goal_ids(client)
        while await orphaned(client, ids, identity(kill)):
            await asyncio.sleep(0.5)
        picked_up = time.perf_counter() - killed_at
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return [latency for _, latency in results], len(customers) / elapsed, picked_up


async def running_goal_ids(client: Client) -> list[str]:
    ids = []
    async for execution in client.list_workflows("WorkflowType = 'SupervisorWorkflow'"):
        if execution.status is not None and execution.status.name == "RUNNING":
            ids.append(execution.id)
    return ids


def effects(db_path: Path, customers: list[str]) -> str:
    db = connect(db_path)
    try:
        counts = [
            db.execute(
                "SELECT (SELECT COUNT(*) FROM returns r JOIN orders o ON o.id = r.order_id "
                "WHERE o.customer_id = ?), (SELECT COUNT(*) FROM refunds f JOIN returns r "
                "ON r.id = f.return_id JOIN orders o ON o.id = r.order_id WHERE o.customer_id = ?)",
                (c, c),
            ).fetchone()
            for c in customers
        ]
    finally:
        db.close()
    exact = sum(1 for returns, refunds in counts if returns == 1 and refunds == 1)
    return f"{exact}/{len(customers)} goals with exactly one return and one refund"


async def main() -> None:
    goals = int(os.environ.get("BENCH_GOALS", "100"))
    tmp = Path(tempfile.mkdtemp())
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None).start()
    settings = Settings(temporal_address=server.address, task_queue="scale", data_dir=tmp)
    runs = [("1 worker", 1, False), ("2 workers", 2, False), ("4 workers", 4, False)]
    runs.append(("4 workers, one SIGKILLed", 4, True))
    customers = iter(seed_customers(tmp / "shop.db", goals * len(runs)))
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": server.address,
        "RELAY_TASK_QUEUE": "scale",
        "RELAY_DATA_DIR": str(tmp),
        "RELAY_DB": str(tmp / "shop.db"),
        "RELAY_SCRIPTED_LATENCY_MS": LATENCY,
    }
    print(f"{goals} showcase goals at once per run, model latency {LATENCY} ms per call")
    try:
        client = await connect_client(settings, wait_seconds=30)
        for name, count, kill in runs:
            workers = await start_workers(count, env, tmp / "workers.log")
            try:
                batch_customers = [next(customers) for _ in range(goals)]
                await until_polled(client, workers)
                latencies, rate, picked_up = await batch(
                    client, batch_customers, workers[0] if kill else None
                )
            finally:
                await stop(workers)
            p50 = statistics.median(latencies)
            p95 = statistics.quantiles(latencies, n=20)[18]
            line = f"{name}: {rate:.2f} goals/s, p50 {p50 / 1000:.1f} s, p95 {p95 / 1000:.1f} s"
            line += f"; {effects(tmp / 'shop.db', batch_customers)}"
            if picked_up is not None:
                line += f"; its activities picked up after {picked_up:.1f} s"
            print(line, flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
