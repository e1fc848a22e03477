"""`make bench`: what one showcase goal costs relay, against its raw-Temporal twin.

The showcase (scripted model, the refund approved by the client) on a `relay worker` process,
and its twin (benchmarks/twin.py: the same Temporal operations with no-op bodies, derived from
a real goal's histories) on a worker process of its own, one dev server, goals interleaved:
latency per goal (one at a time), goals/s with N at once, worker and server CPU milliseconds
per goal (from /proc), events and bytes of history per goal, and replay time of one goal's
histories in a fresh process, cold and warm. Numbers and ratios, not pass/fail.
`BENCH_GOALS` (default 20) and `BENCH_CONCURRENT` (default 50) size the runs;
`BENCH_COMPRESS=0` runs relay with its internal payloads plain (RELAY_COMPRESS_PAYLOADS=0;
compressed over 512 bytes by default);
`BENCH_TWIN_PAYLOADS=1` gives the twin's inputs, results and signals as many bytes as relay's
(filler), so the ratios show what relay costs beyond carrying what it records;
`BENCH_LOCAL_ACTIVITIES=0` runs relay's reads as activities (RELAY_LOCAL_ACTIVITIES=0);
`BENCH_RELAY_POLLS=1` has relay's client poll the `pending_approvals` query every 50 ms, as
the twin's does, instead of waiting on the `next_approvals` update (what the update is worth);
`BENCH_TWIN_REIMPORT=1` runs the twin in the SDK's default sandbox (its module re-imported for
every run, where relay's is passed through): the unfair baseline, for comparison.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory

from benchmarks.twin import TwinWorkflow, filled, operations
from examples.shop.app import SHOWCASE_GOAL
from examples.shop.data import setup
from relay import ApprovalDecision, GoalRequest, Settings, SupervisorWorkflow, start_goal
from relay.agents.approvals import PendingApproval
from relay.client.waiting import next_pending
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.tools.store import connect

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


async def one_goal(client: Client, queue: str, customer: str) -> tuple[WorkflowHandle, float]:
    """One showcase goal, its approval heard as relay's clients hear it (the goal's
    `next_approvals` update: no polling) and approved at once."""
    started = time.perf_counter()
    handle = await start_goal(
        client,
        GoalRequest(goal=SHOWCASE_GOAL, context={"customer_id": customer}),
        f"bench-{uuid.uuid4().hex[:10]}",
        queue,
    )
    if os.environ.get("BENCH_RELAY_POLLS") == "1":
        while not (pending := await handle.query(SupervisorWorkflow.pending_approvals)):
            await asyncio.sleep(0.05)
    else:
        pending = await next_pending(handle, set())
    await approved(handle, pending)
    return handle, (time.perf_counter() - started) * 1000


async def approved(handle: WorkflowHandle, pending: list[PendingApproval]) -> None:
    """Approve the goal's first pending approval and wait for it to complete."""
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending[0].approval_id, approver="bench"),
    )
    result = await handle.result()
    assert result.status == "completed", result.answer


async def twin_goal(client: Client, ops: list, poll_seconds: float = 0.05) -> float:
    """One twin goal, its decision sent as a naive client would: poll a query every 50 ms,
    then signal."""
    started = time.perf_counter()
    handle = await client.start_workflow(
        TwinWorkflow.run, ops, id=f"twin-{uuid.uuid4().hex[:10]}", task_queue="twin"
    )
    while not await handle.query(TwinWorkflow.waiting_for_client):
        await asyncio.sleep(poll_seconds)
    await handle.signal(TwinWorkflow.decide)
    await handle.result()
    return (time.perf_counter() - started) * 1000


async def histories_of(client: Client, ids: list[str]) -> list[WorkflowHistory]:
    return [await client.get_workflow_handle(i).fetch_history() for i in ids]


def by_type(histories: list[WorkflowHistory]) -> Counter[str]:
    return Counter(
        EventType.Name(e.event_type).removeprefix("EVENT_TYPE_")
        for h in histories
        for e in h.events
    )


def size_of(histories: list[WorkflowHistory]) -> tuple[int, int]:
    """Events, and bytes as the server stores them (protobuf)."""
    events = [e for h in histories for e in h.events]
    return len(events), sum(e.ByteSize() for e in events)


async def replay_ms(kind: str, histories: list[WorkflowHistory], tmp: Path) -> tuple[float, float]:
    """Cold and warm replay of one goal's histories, in a fresh process."""
    files = []
    for n, history in enumerate(histories):
        path = tmp / f"{kind}-{n}.json"
        path.write_text(history.to_json())
        files.append(f"{history.workflow_id}={path}")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.replay_timing",
        kind,
        *files,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    cold, warm = out.decode().split()
    return float(cold), float(warm)


async def spawn(log: Path, env: dict[str, str], *command: str) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(*command, env=env, stdout=out, stderr=out)


class Side:
    """One system's numbers."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.server_cpu = 0.0
        self.rates: list[float] = []


def row(name: str, relay: float, twin: float, unit: str, target: str) -> str:
    return f"| {name} | {relay:.1f} {unit} | {twin:.1f} {unit} | {relay / twin:.2f} | {target} |"


async def main() -> None:
    goals = int(os.environ.get("BENCH_GOALS", "20"))
    concurrent = int(os.environ.get("BENCH_CONCURRENT", "50"))
    tmp = Path(tempfile.mkdtemp())
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None).start()
    compress = os.environ.get("BENCH_COMPRESS") != "0"
    sized_twin = os.environ.get("BENCH_TWIN_PAYLOADS") == "1"
    settings = Settings(
        temporal_address=server.address,
        task_queue="bench",
        data_dir=tmp,
        compress_payloads=compress,
    )
    customers = iter(seed_customers(tmp / "shop.db", 1 + goals + 2 * concurrent))
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": server.address,
        "RELAY_TASK_QUEUE": "bench",
        "RELAY_DATA_DIR": str(tmp),
        "RELAY_DB": str(tmp / "shop.db"),
        "RELAY_COMPRESS_PAYLOADS": "1" if compress else "0",
        "RELAY_LOCAL_ACTIVITIES": os.environ.get("BENCH_LOCAL_ACTIVITIES", "1"),
    }
    print(f"logs: {tmp}")
    relay_bin = str(Path(sys.executable).parent / "relay")
    relay_worker = await spawn(tmp / "relay-worker.log", env, relay_bin, "worker")
    twin_worker = await spawn(
        tmp / "twin-worker.log",
        env,
        sys.executable,
        "-m",
        "benchmarks.twin",
        server.address,
        "twin",
    )
    relay, twin = Side(), Side()
    try:
        client = await connect_client(settings, wait_seconds=30)
        twin_client = await Client.connect(server.address)
        # Warm up both; the twin copies the operations of relay's first goal.
        handle, _ = await one_goal(client, "bench", next(customers))
        result = await handle.result()
        relay_histories = await histories_of(
            client, [handle.id, *(t.workflow_id for t in result.tasks)]
        )
        by_id = {h.workflow_id: h for h in relay_histories}
        ops = filled(operations(relay_histories[0], by_id, sized=sized_twin))
        await twin_goal(twin_client, ops)
        relay_cpu, twin_cpu = cpu_ms(relay_worker.pid), cpu_ms(twin_worker.pid)
        for _ in range(goals):
            before = cpu_ms(server.process.pid)
            relay.latencies.append((await one_goal(client, "bench", next(customers)))[1])
            middle = cpu_ms(server.process.pid)
            twin.latencies.append(await twin_goal(twin_client, ops))
            relay.server_cpu += middle - before
            twin.server_cpu += cpu_ms(server.process.pid) - middle
        relay_cpu = (cpu_ms(relay_worker.pid) - relay_cpu) / goals
        twin_cpu = (cpu_ms(twin_worker.pid) - twin_cpu) / goals
        for _ in range(2):
            batch = [next(customers) for _ in range(concurrent)]
            started = time.perf_counter()
            await asyncio.gather(*(one_goal(client, "bench", c) for c in batch))
            relay.rates.append(len(batch) / (time.perf_counter() - started))
            started = time.perf_counter()
            await asyncio.gather(*(twin_goal(twin_client, ops) for _ in batch))
            twin.rates.append(len(batch) / (time.perf_counter() - started))
        twin_id = f"twin-{uuid.uuid4().hex[:10]}"
        twin_handle = await twin_client.start_workflow(
            TwinWorkflow.run, ops, id=twin_id, task_queue="twin"
        )
        while not await twin_handle.query(TwinWorkflow.waiting_for_client):
            await asyncio.sleep(0.05)
        await twin_handle.signal(TwinWorkflow.decide)
        await twin_handle.result()
        children = sum(1 for op in ops if op[0] == "child_start")
        twin_histories = await histories_of(
            twin_client, [twin_id, *(f"{twin_id}/{n}" for n in range(children))]
        )
    finally:
        for process in (relay_worker, twin_worker):
            process.kill()
            await process.wait()
        server.stop()
    relay_events, relay_bytes = size_of(relay_histories)
    twin_events, twin_bytes = size_of(twin_histories)
    relay_replay = await replay_ms("relay", relay_histories, tmp)
    twin_replay = await replay_ms("twin", twin_histories, tmp)
    p50 = statistics.median
    sized = " with relay-sized payloads" if sized_twin else ""
    print(
        f"showcase goal vs its raw-Temporal twin{sized}: {goals} one at a time, interleaved; "
        f"{len(relay.rates)} rounds of {len(batch)} at once"
    )
    print("| | relay | twin | relay / twin | target |")
    print("|---|---|---|---|---|")
    print(row("latency per goal, p50", p50(relay.latencies), p50(twin.latencies), "ms", "≤ 1.05"))
    print(
        row(
            "goals/s at once",
            statistics.fmean(relay.rates),
            statistics.fmean(twin.rates),
            "",
            "≥ 1.0",
        )
    )
    print(row("worker CPU per goal", relay_cpu, twin_cpu, "ms", "≤ 1.10"))
    print(
        row(
            "server CPU per goal", relay.server_cpu / goals, twin.server_cpu / goals, "ms", "≤ 1.05"
        )
    )
    print(row("history events per goal", relay_events, twin_events, "", ""))
    print(row("history per goal (protobuf)", relay_bytes / 1024, twin_bytes / 1024, "KiB", "≤ 2.0"))
    print(row("replay of one goal, cold", relay_replay[0], twin_replay[0], "ms", "≤ 1.2"))
    print(row("replay of one goal, warm", relay_replay[1], twin_replay[1], "ms", ""))
    relay_kinds, twin_kinds = by_type(relay_histories), by_type(twin_histories)
    differ = sorted(k for k in relay_kinds | twin_kinds if relay_kinds[k] != twin_kinds[k])
    print(
        "events by type where the twin differs: "
        + (", ".join(f"{k} {relay_kinds[k]} vs {twin_kinds[k]}" for k in differ) or "none")
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    asyncio.run(main())
