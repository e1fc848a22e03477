"""`make bench-limits`: 50 goals at once through a tool limited to 10/minute and a scripted
provider limited to BENCH_MODEL_RATE (default 60/minute), on two worker processes sharing
relay's store.

Prints, for a run without limits and one with them: goals completed, notices sent and refused
(a call waits for its slot up to 60 s, three times, then the model is told when the next slot
is), the most notices and model requests in any window of the limit's length (from what the
tool really did and from the limiter's own rows: never over the limit), goal latency (p50, p95,
max: the wait the limits added) and the workers' CPU per goal. Then the limiter's own cost per
call, on SQLite and PostgreSQL (when installed): microseconds and CPU per call, and its store
round trips. The load average is printed with the numbers.
`BENCH_GOALS` (50), `BENCH_TOOL_RATE` (10/minute), `BENCH_MODEL_RATE` (60/minute)."""

import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.client import Client

from benchmarks.scale import start_workers, stop, until_polled
from benchmarks.showcase import cpu_ms
from relay import GoalRequest, GoalResult, Settings, start_goal
from relay.activities.providers.model_rate import ModelRateLimiter
from relay.agents.model_limits import ModelLimits
from relay.agents.rate_limits import ToolLimits, parse_limit
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.tools.rate_store import RateLimiter
from relay.tools.store import Store
from relay.tools.stores import open_store
from tests.postgres_server import new_database, postgres_bin, postgres_server

QUEUE = "limits"
GOALS = int(os.environ.get("BENCH_GOALS", "50"))
TOOL_RATE = os.environ.get("BENCH_TOOL_RATE", "10/minute")
MODEL_RATE = os.environ.get("BENCH_MODEL_RATE", "60/minute")
CALLS = 2000  # limiter calls per backend for its cost


async def one_goal(client: Client, n: int) -> tuple[GoalResult, float]:
    started = time.perf_counter()
    handle = await start_goal(
        client,
        GoalRequest(goal=f"Notify U-{n} that the service is back", app="limits"),
        f"notify-{n}-{uuid.uuid4().hex[:6]}",
        QUEUE,
    )
    return await handle.result(), time.perf_counter() - started


def most_in_window(times: list[float], seconds: float) -> int:
    ordered = sorted(times)
    return max(
        (sum(1 for t in ordered[i:] if t < start + seconds) for i, start in enumerate(ordered)),
        default=0,
    )


async def run(tmp: Path, server: DevServer, limited: bool) -> None:
    sent = tmp / f"sent-{limited}.txt"
    sent.touch()
    store = tmp / f"relay-{limited}.db"
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": server.address,
        "RELAY_TASK_QUEUE": QUEUE,
        "RELAY_APP": "benchmarks.limits_app:APP",
        "RELAY_DATA_DIR": str(tmp),
        "RELAY_STORE": str(store),
        "RELAY_SCRIPTED_LATENCY_MS": "100-300",
        "BENCH_SENT": str(sent),
        "BENCH_TOOL_RATE": TOOL_RATE if limited else "1000/second",
    }
    if limited:
        env["RELAY_MODEL_LIMITS"] = json.dumps({"scripted": {"requests": MODEL_RATE}})
    client = await connect_client(
        Settings(temporal_address=server.address, task_queue=QUEUE, data_dir=tmp),
        wait_seconds=30,
    )
    workers = await start_workers(2, env, tmp / "workers.log")
    try:
        await until_polled(client, workers, QUEUE)
        cpu = sum(cpu_ms(w.pid) for w in workers)
        outcomes = await asyncio.gather(*(one_goal(client, n) for n in range(GOALS)))
        cpu = sum(cpu_ms(w.pid) for w in workers) - cpu
    finally:
        await stop(workers)
    results = [r for r, _ in outcomes]
    latencies = sorted(s for _, s in outcomes)
    went = [float(line.split()[0]) for line in sent.read_text().splitlines()]
    refused = sum(1 for r in results if "rate limit" in r.answer)
    done = sum(1 for r in results if r.status == "completed")
    label = f"limits on ({TOOL_RATE} tool, {MODEL_RATE} model)" if limited else "limits off"
    print(
        f"{label}: {done}/{GOALS} goals completed; {len(went)} notices sent, {refused} refused; "
        f"latency p50 {statistics.median(latencies):.1f} s, p95 "
        f"{latencies[int(0.95 * (len(latencies) - 1))]:.1f} s, max {latencies[-1]:.1f} s; "
        f"workers' CPU {cpu / GOALS:.0f} ms/goal",
        flush=True,
    )
    if limited:
        tool = parse_limit(TOOL_RATE, "rate")
        model = parse_limit(MODEL_RATE, "requests")
        asked = [at for at, _ in ModelRateLimiter(open_store(store)).counted("scripted")]
        slots = RateLimiter(open_store(store)).counted("send_notice", "*")
        print(
            f"  most in any {tool.seconds} s: {most_in_window(slots, tool.seconds)} notice "
            f"slots taken (limit {tool.count}; by the time each notice ran: "
            f"{most_in_window(went, tool.seconds)}); most model requests in any "
            f"{model.seconds} s: {most_in_window(asked, model.seconds)} of {len(asked)} "
            f"(limit {model.count})",
            flush=True,
        )


def limiter_cost(name: str, store: Store) -> str:
    """Microseconds and CPU per call of each limiter, every call admitted (the common case)."""
    tools = RateLimiter(store)
    tools.create_schema()
    models = ModelRateLimiter(store)
    models.create_schema()
    rate = ToolLimits(rate=parse_limit("1000000/minute", "rate"), per="requester")
    requests = ModelLimits.model_validate({"requests": "1000000/minute"})
    cells = []
    for take in (
        lambda n: tools.take("bench", rate, "requester:ada", f"c{n}", time.time()),
        lambda n: models.take("bench", requests, f"c{n}", 500, time.time()),
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(CALLS):
            take(n)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cells.append(f"{wall / CALLS * 1e6:.0f} µs, CPU {cpu / CALLS * 1e6:.0f} µs")
    return f"| {name} | {cells[0]} | {cells[1]} |"


async def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    print(f"{GOALS} goals at once, two worker processes, {os.cpu_count()} cores", flush=True)
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None)
    server.start()
    try:
        await run(tmp, server, limited=False)
        await run(tmp, server, limited=True)
    finally:
        server.stop()
    print(f"\nthe limiters' cost per admitted call ({CALLS} calls, one transaction each):")
    print("| store | tool rate (take) | model requests (take) |\n|---|---|---|")
    print(limiter_cost("SQLite", open_store(tmp / "cost.db")), flush=True)
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("| PostgreSQL | skipped: not installed | |")
    else:
        with postgres_server(bin_dir) as pg:
            print(limiter_cost("PostgreSQL", open_store(new_database(pg))))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    asyncio.run(main())
