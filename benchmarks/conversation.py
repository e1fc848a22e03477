"""`make bench-conversation`: how history grows with a long conversation. One agent makes
`BENCH_TURNS` (default 200) model turns, each calling a tool that returns a few KB, with a
model input window of `BENCH_WINDOW_TOKENS` (default 4000; 0: unbounded, as before relay had
one); the bench reports the size of the model call's input (what each `llm` activity carries
into history) and the history each turn adds at turns 5, 50 and the last (and as means of ten
turns), the largest single payload, how many summaries were made, and the events and bytes of
the agent's history (all its runs, when it continued as new). Numbers, not pass/fail."""

import asyncio
import itertools
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from pydantic import BaseModel

from relay import Agent, App, GoalRequest, Settings, ToolContext, ToolSet, start_goal
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.worker import relay_worker

TOOL_RESULT_BYTES = 3000
tools = ToolSet()


class PageArgs(BaseModel):
    page: int


@tools.tool(args=PageArgs, risk="read", idempotent=True)
def read_page(args: PageArgs, ctx: ToolContext) -> dict[str, Any]:
    """One page of a long document."""
    return {"page": args.page, "text": f"page {args.page} " + "lorem ipsum " * 250}


reader = Agent(
    "reader",
    description="Reads a long document page by page.",
    instructions="Read every page, then summarise.",
    tools=[read_page],
    max_steps=200,
)
app = App("reader", agents=[reader], tools=tools)


def script(tmp: Path, turns: int) -> str:
    body = {
        "plan": [
            {"content": '{"tasks": [{"id": "r", "agent": "reader", "instruction": "Read it."}]}'}
        ],
        "agents": {
            "reader": [
                {"tool_calls": [{"name": "read_page", "arguments": {"page": n}}]}
                for n in range(1, turns)
            ]
            + [{"content": "Read it all."}]
        },
        "synthesize": [{"content": "Done."}],
    }
    path = tmp / "script.json"
    path.write_text(json.dumps(body))
    return f"scripted:{path}"


async def agent_runs(client: Any, workflow_id: str) -> list:
    """Every run of the agent's workflow (continue-as-new makes several), oldest first."""
    runs = []
    async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        runs.append(execution.run_id)
    histories = [
        await client.get_workflow_handle(workflow_id, run_id=run).fetch_history() for run in runs
    ]
    return sorted(histories, key=lambda h: h.events[0].event_time.ToDatetime())


def history_per_turn(events: list[Any]) -> list[int]:
    """Bytes of history (protobuf) each agent turn adds: from its model call to the next one,
    with the tool calls, any summary and bookkeeping in between. The run's closing event (the
    agent's result, with a record of every turn) is not a turn's: it is reported on its own."""
    starts = [
        i
        for i, e in enumerate(events)
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "llm"
        and json.loads(e.activity_task_scheduled_event_attributes.input.payloads[0].data)["purpose"]
        == "agent"
    ]
    bounds = [*starts, len(events) - 1]
    return [sum(e.ByteSize() for e in events[a:b]) for a, b in itertools.pairwise(bounds)]


def payload_sizes(message: Any) -> Iterator[int]:
    """The size of every Payload anywhere in a history event (inputs, results, markers...)."""
    if message.DESCRIPTOR.full_name == "temporal.api.common.v1.Payload":
        yield message.ByteSize()
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            values = value.values()
        else:
            values = [value] if isinstance(value, Message) else value
        for item in values:
            if isinstance(item, Message):
                yield from payload_sizes(item)


async def main() -> None:
    turns = int(os.environ.get("BENCH_TURNS", "200"))
    window = int(os.environ.get("BENCH_WINDOW_TOKENS", "4000"))
    tmp = Path(tempfile.mkdtemp())
    server = DevServer(db_file=tmp / "temporal.db", port=free_port(), ui_port=None).start()
    settings = Settings(
        temporal_address=server.address,
        task_queue="conversation",
        data_dir=tmp,
        budget={"max_steps": 1000, "max_tokens": 10**9, "max_cost_usd": 1000},
        context_window_tokens=window or 1_000_000,
    )
    try:
        client = await connect_client(settings, wait_seconds=30)
        async with relay_worker(client, settings, app) as worker, worker:
            handle = await start_goal(
                client,
                GoalRequest(goal="Read the document", model=script(tmp, turns)),
                f"conversation-{uuid.uuid4().hex[:8]}",
                settings.queue_for(app.name),
            )
            result = await handle.result()
            histories = await agent_runs(client, result.tasks[0].workflow_id)
    finally:
        server.stop()
    calls = [
        e.activity_task_scheduled_event_attributes.input
        for h in histories
        for e in h.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "llm"
    ]
    purposes = [json.loads(c.payloads[0].data)["purpose"] for c in calls]
    inputs = [
        len(c.SerializeToString()) for c, p in zip(calls, purposes, strict=True) if p == "agent"
    ]
    folds = [
        len(c.SerializeToString()) for c, p in zip(calls, purposes, strict=True) if p == "summarize"
    ]
    events = sum(len(h.events) for h in histories)
    size = sum(len(h.to_json().encode()) for h in histories)
    per_turn = history_per_turn([e for h in histories for e in h.events])
    print(f"window: {f'{window} tokens' if window else 'unbounded'}")
    print(f"{result.status}: {len(inputs)} model turns, {len(histories)} run(s) of the agent")
    for turn in (5, 50, len(inputs)):
        if turn <= len(inputs):
            print(f"model call input at turn {turn}: {inputs[turn - 1] / 1024:.1f} KiB")
    for turn in (5, 50, len(per_turn)):
        if turn <= len(per_turn):
            print(f"history added by turn {turn}: {per_turn[turn - 1] / 1024:.1f} KiB")
    for last in (10, 50, len(per_turn)):
        if last <= len(per_turn):
            window_bytes = per_turn[max(0, last - 10) : last]
            mean = sum(window_bytes) / len(window_bytes)
            print(f"history per turn, turns {last - 9}-{last} (mean): {mean / 1024:.1f} KiB")
    print(f"largest model call input: {max(inputs) / 1024:.1f} KiB")
    largest = max(size for h in histories for e in h.events for size in payload_sizes(e))
    print(f"largest single payload: {largest / 1024:.1f} KiB")
    closing = histories[-1].events[-1].ByteSize()
    print(f"the agent's result (closing event): {closing / 1024:.1f} KiB")
    if folds:
        print(f"summaries: {len(folds)}, largest summarize input {max(folds) / 1024:.1f} KiB")
    print(f"agent history: {events} events, {size / 1024 / 1024:.1f} MiB (JSON)")


if __name__ == "__main__":
    asyncio.run(main())
