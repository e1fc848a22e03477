"""`make bench-pending`: N showcase goals waiting on people at once, then all approved.

One dev server and one `relay worker` process per N (scripted model), N goals started at once
(50 in flight), each until its refund waits for a human. Prints, per N: the ramp (seconds,
goals/s), the worker's CPU per goal and its RSS (and RSS per waiting goal), how long visibility
takes to list every waiting agent a page at a time and what one inbox page costs (a page of 50
with each approval's evidence, as `GET /approvals` does), the latency of a query to a waiting
goal (the `relay status` fast path), and the drain after approving every goal (goals/s, CPU per
goal). Every goal must end with exactly one return and one refund.
`BENCH_PENDING` (default "100,300,1000") lists the N; `RELAY_MAX_CACHED_WORKFLOWS` is passed to
the worker (default: relay's)."""

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from benchmarks.scale import effects, start_workers, stop, until_polled
from benchmarks.showcase import cpu_ms, seed_customers
from examples.shop.app import SHOWCASE_GOAL
from relay import (
    ApprovalDecision,
    GoalRequest,
    GoalResult,
    Settings,
    SupervisorWorkflow,
    start_goal,
)
from relay.service.history_views import evidence
from relay.service.waiting_agents import WAITING_AGENTS, WaitingAgent, waiting_page
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port

QUEUE = "pending"
IN_FLIGHT = 50  # goals being started at once
PAGE = 50
WAITING_ON = 100  # goal results awaited at once


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def start_all(client: Client, customers: list[str]) -> list[WorkflowHandle]:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(customer: str) -> WorkflowHandle:
        async with gate:
            request = GoalRequest(goal=SHOWCASE_GOAL, context={"customer_id": customer})
            return await start_goal(client, request, f"wait-{uuid.uuid4().hex[:10]}", QUEUE)

    return list(await asyncio.gather(*(one(c) for c in customers)))


async def every_waiting(client: Client) -> tuple[list[WaitingAgent], float]:
    """Every waiting agent, page by page, and how long the whole listing took."""
    started = time.perf_counter()
    agents: list[WaitingAgent] = []
    token = None
    while True:
        page = await waiting_page(client, WAITING_AGENTS, PAGE, token)
        agents += page.agents
        token = page.next_token
        if token is None:
            return agents, time.perf_counter() - started


async def inbox_page_seconds(client: Client) -> float:
    """One inbox page: the listing and each approval's evidence, as GET /approvals does."""
    started = time.perf_counter()
    page = await waiting_page(client, WAITING_AGENTS, PAGE, None)
    await asyncio.gather(*(evidence(client, a.workflow_id) for a in page.agents))
    return time.perf_counter() - started


async def query_seconds(client: Client, handles: list[WorkflowHandle]) -> tuple[list[float], int]:
    times, failed = [], 0
    for handle in random.sample(handles, min(20, len(handles))):
        started = time.perf_counter()
        try:
            await handle.query(SupervisorWorkflow.progress, rpc_timeout=timedelta(seconds=10))
        except RPCError:
            failed += 1
            continue
        times.append(time.perf_counter() - started)
    return times, failed


async def results_of(handles: list[WorkflowHandle]) -> list[GoalResult]:
    """Each goal's result, waiting on at most WAITING_ON at once: every wait is a long poll, and
    the server refuses more than a namespace's limit of them at a time."""
    gate = asyncio.Semaphore(WAITING_ON)

    async def one(handle: WorkflowHandle) -> GoalResult:
        async with gate:
            return await handle.result()

    return list(await asyncio.gather(*(one(h) for h in handles)))


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def one_size(count: int, tmp: Path, customers: list[str]) -> None:
    server = DevServer(db_file=tmp / f"temporal-{count}.db", port=free_port(), ui_port=None)
    server.start()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": server.address,
        "RELAY_TASK_QUEUE": QUEUE,
        "RELAY_DATA_DIR": str(tmp),
        "RELAY_DB": str(tmp / "shop.db"),
    }
    workers = []
    try:
        client = await connect_client(
            Settings(temporal_address=server.address, task_queue=QUEUE, data_dir=tmp),
            wait_seconds=30,
        )
        workers = await start_workers(1, env, tmp / "workers.log")
        worker = workers[0]
        await until_polled(client, workers, QUEUE)
        cpu, rss = cpu_ms(worker.pid), rss_mib(worker.pid)
        started = time.perf_counter()
        handles = await start_all(client, customers)
        while (await client.count_workflows(WAITING_AGENTS)).count < count:
            await asyncio.sleep(1)
        ramp = time.perf_counter() - started
        ramp_cpu, waiting_rss = cpu_ms(worker.pid) - cpu, rss_mib(worker.pid)
        agents, listing = await every_waiting(client)
        pages = [await inbox_page_seconds(client) for _ in range(5)]
        queries, failed = await query_seconds(client, handles)
        unread = sum(1 for a in agents if a.unreadable)
        print(
            f"N={count}: ramp {ramp:.1f} s ({count / ramp:.2f} goals/s), worker CPU "
            f"{ramp_cpu / count:.0f} ms/goal, RSS {rss:.0f} -> {waiting_rss:.0f} MiB "
            f"({(waiting_rss - rss) * 1024 / count:.0f} KiB per waiting goal)",
            flush=True,
        )
        print(
            f"  inbox: all {len(agents)} waiting agents listed in {listing:.2f} s "
            f"({unread} unreadable); a page of {PAGE} with evidence p50 "
            f"{statistics.median(pages):.2f} s, max {max(pages):.2f} s; query p50 "
            f"{statistics.median(queries) * 1000:.0f} ms, p95 {p(queries, 95) * 1000:.0f} ms, "
            f"{failed} timed out",
            flush=True,
        )
        cpu = cpu_ms(worker.pid)
        started = time.perf_counter()
        goal_of = {a.goal_id: a for a in agents}
        await asyncio.gather(
            *(
                client.get_workflow_handle(goal).signal(
                    SupervisorWorkflow.approve,
                    ApprovalDecision(approval_id=a.approvals[0].approval_id, approver="bench"),
                )
                for goal, a in goal_of.items()
                if a.approvals
            )
        )
        results = await results_of(handles)
        drain = time.perf_counter() - started
        done = sum(1 for r in results if r.status == "completed")
        print(
            f"  drain {drain:.1f} s ({count / drain:.2f} goals/s), worker CPU "
            f"{(cpu_ms(worker.pid) - cpu) / count:.0f} ms/goal; {done}/{count} completed; "
            f"{effects(tmp / 'shop.db', customers)}",
            flush=True,
        )
    finally:
        await stop(workers)
        server.stop()


async def main() -> None:
    sizes = [int(n) for n in os.environ.get("BENCH_PENDING", "100,300,1000").split(",")]
    tmp = Path(tempfile.mkdtemp())
    customers = seed_customers(tmp / "shop.db", sum(sizes))
    cache = os.environ.get("RELAY_MAX_CACHED_WORKFLOWS", "relay's default")
    print(f"goals waiting on people; one worker, workflow cache {cache}; {os.cpu_count()} cores")
    offset = 0
    for count in sizes:
        await one_size(count, tmp, customers[offset : offset + count])
        offset += count
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
