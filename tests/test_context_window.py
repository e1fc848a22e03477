"""Bounded conversation state: a long conversation's model input stays within the agent's token
window (older turns folded into a summary made by a recorded `summarize` model call; the task
word for word; a fact seen only in a folded turn still grounds the answer), and a tool result
too large for history is read back in pages through relay's `read_stored_result`, and many
large results of one turn cannot make a model call's input too large for Temporal."""

import asyncio
import json
import re
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from relay import Agent, App, GoalRequest, ToolContext, ToolSet, start_goal
from relay.agents.llm_models import LlmRequest, ToolCall
from relay.temporal.devserver import DevServer
from tests.conftest import running_relay

RESULT_CHARS = 3000
TURNS = 40
WINDOW_TOKENS = 2000
tools = ToolSet()


class PageArgs(BaseModel):
    page: int


@tools.tool(args=PageArgs, risk="read", idempotent=True)
def read_page(args: PageArgs, ctx: ToolContext) -> dict[str, Any]:
    """One page of a long document; page 1 names the document."""
    name = "The document is DOC-4242. " if args.page == 1 else ""
    return {"page": args.page, "text": name + "lorem ipsum " * (RESULT_CHARS // 12)}


reader = Agent(
    "reader",
    description="Reads a long document page by page.",
    instructions="Read every page, then say which document it was.",
    tools=[read_page],
    max_steps=100,
)
app = App("reader", agents=[reader], tools=tools, id_pattern=r"\bDOC-\d+\b")


async def test_a_long_conversation_stays_within_its_window(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    pages = [
        {"tool_calls": [{"name": "read_page", "arguments": {"page": n}}]} for n in range(1, TURNS)
    ]
    script = {
        "plan": [
            {"content": '{"tasks": [{"id": "r", "agent": "reader", "instruction": "Read."}]}'}
        ],
        "agents": {"reader": [*pages, {"content": "It was DOC-4242."}]},
        "synthesize": [{"content": "The document was DOC-4242."}],
    }
    async with running_relay(
        temporal_server, tmp_path, app, context_window_tokens=WINDOW_TOKENS, model=None
    ) as relay:
        handle = await relay.start("Read the document", customer=None, model=relay.script(script))
        result = await handle.result()
        [task] = result.tasks
        calls = await relay.activity_runs(task.workflow_id, "llm")

    assert result.status == "completed" and task.status == "completed", result.answer
    turns = [c for c in calls if c.input["purpose"] == "agent"]
    folds = [c for c in calls if c.input["purpose"] == "summarize"]
    assert len(turns) == TURNS and folds
    sizes = [len(json.dumps(c.input["messages"])) for c in turns]
    # Bounded: no input outgrows the window (4 chars a token) by more than one turn's result,
    # however many turns came before; unbounded, the last would hold all 39 results.
    assert max(sizes) < WINDOW_TOKENS * 4 + 2 * RESULT_CHARS, sizes
    assert sizes[-1] < 1.5 * sizes[len(sizes) // 2]
    last = turns[-1].input["messages"]
    assert last[1]["content"] == turns[0].input["messages"][1]["content"]  # the task, word for word
    summary = last[2]["content"]
    assert summary.startswith("<conversation-summary>") and "DOC-4242" in summary
    assert all(len(json.dumps(f.input["messages"])) < WINDOW_TOKENS * 4 * 3 for f in folds)


@tools.tool(args=PageArgs, risk="read", idempotent=True)
def export_all(args: PageArgs, ctx: ToolContext) -> dict[str, Any]:
    """Everything at once: far too large for history."""
    return {"rows": [f"row {n:06d} of export {args.page}" for n in range(4000)]}


@tools.tool(args=PageArgs, risk="read", idempotent=True)
def read_big_page(args: PageArgs, ctx: ToolContext) -> dict[str, Any]:
    """A 200 KB page: under the stored-by-reference limit on its own."""
    return {"page": args.page, "text": f"page {args.page} " + "x" * 200_000}


exporter = Agent(
    "exporter",
    description="Exports data.",
    instructions="Export, then read what you need.",
    tools=[export_all],
)
bulk = Agent(
    "bulk",
    description="Reads big pages, many at once.",
    instructions="Read the pages.",
    tools=[read_big_page],
)
ELSEWHERE = {"ref": "stored_results:other-goal/exporter-1/2", "page": 1}


def export_brain(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    """The exporter's test-double model: export, read page 2 of the reference the export was
    stored under (it names the run, so a fixed script cannot know it), then try another's."""
    if request.purpose == "plan":
        return '{"tasks": [{"id": "e", "agent": "exporter", "instruction": "Go."}]}', []
    if request.purpose != "agent":
        return "Done.", []
    seen = " ".join(m.content or "" for m in request.messages if m.role == "tool")
    stored = re.search(r"stored_results:[^\"\\\s]+", seen)
    calls = [
        ("export_all", {"page": 1}),
        ("read_stored_result", {"ref": stored.group(0) if stored else "", "page": 2}),
        ("read_stored_result", ELSEWHERE),
    ]
    if request.step > len(calls):
        return "Exported and read.", []
    name, arguments = calls[request.step - 1]
    return "", [ToolCall(id=f"call-{request.step}", name=name, arguments=arguments)]


export_app = App("exporter", agents=[exporter, bulk], tools=tools, scripted=export_brain)


async def test_a_stored_result_is_read_in_pages_by_the_agent_that_made_it(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    goal_id = f"export-{uuid.uuid4().hex[:8]}"
    async with running_relay(
        temporal_server, tmp_path, export_app, max_tool_result_bytes=16_000
    ) as relay:
        handle = await start_goal(
            relay.client,
            GoalRequest(goal="Export everything", model="scripted"),
            goal_id,
            relay.settings.task_queue,
        )
        result = await handle.result()
        runs = await relay.activity_runs(f"{goal_id}/exporter-1", "tool")

    assert result.status == "completed", result.answer
    exported, page, refused = (r.result for r in runs)
    # Stored under the call's ledger key: the goal, the agent, its run, the call.
    ref = exported["data"]["stored_as"]
    assert re.fullmatch(rf"stored_results:{goal_id}/exporter-1/[0-9a-f-]{{36}}/1\.0", ref), ref
    assert runs[1].input["arguments"]["ref"] == ref
    assert "read it all with read_stored_result" in exported["data"]["note"]
    assert page["ok"] and page["data"]["page"] == 2 and page["data"]["pages"] > 2
    assert page["data"]["text"] and "row 0" in page["data"]["text"]
    assert not refused["ok"] and "was not stored by this agent's calls" in refused["error"]


async def test_many_large_results_in_one_turn_cannot_overfill_a_model_call(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    # Fifteen 200 KB results in one turn: each stays in history whole, together 3 MB, more than
    # one model call may carry (the window keeps the latest turn whole).
    pages = [{"name": "read_big_page", "arguments": {"page": n}} for n in range(1, 16)]
    script = {
        "plan": [{"content": '{"tasks": [{"id": "b", "agent": "bulk", "instruction": "Go."}]}'}],
        "agents": {"bulk": [{"tool_calls": pages}, {"content": "Read them."}]},
        "synthesize": [{"content": "Done."}],
    }
    goal_id = f"bulk-{uuid.uuid4().hex[:8]}"
    async with running_relay(temporal_server, tmp_path, export_app, max_calls_per_turn=15) as relay:
        handle = await start_goal(
            relay.client,
            GoalRequest(goal="Read fifteen pages", model=relay.script(script)),
            goal_id,
            relay.settings.task_queue,
        )
        result = await asyncio.wait_for(handle.result(), 60)  # stuck for good without the cap
        reads = await relay.activity_runs(f"{goal_id}/bulk-1", "tool")
        asks = await relay.activity_runs(f"{goal_id}/bulk-1", "llm")

    assert result.status == "completed", result.answer
    assert len(reads) == 15 and all(r.result["ok"] for r in reads)  # history has them all
    second = asks[-1].input["messages"]
    dropped = [m for m in second if m["role"] == "tool" and "was dropped" in m["content"]]
    whole = [m for m in second if m["role"] == "tool" and "x" * 1000 in m["content"]]
    assert dropped and whole and len(dropped) + len(whole) == 15
    assert len(json.dumps(asks[-1].input)) < 1_500_000
