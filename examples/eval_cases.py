"""Building blocks of scripted evaluation cases (relay eval's JSONL): a case, its plan's tasks,
the replies of its scripted model, and the tool calls it expects. The golden sets of the
example apps are written with these (examples/golden_cases.py)."""

import json
from typing import Any

Case = dict[str, Any]


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": tool, "arguments": arguments}]}


def say(text: str) -> dict[str, Any]:
    return {"content": text}


def task(id: str, agent: str, instruction: str, *after: str) -> dict[str, Any]:
    return {"id": id, "agent": agent, "instruction": instruction, "depends_on": list(after)}


def case(
    id: str,
    goal: str,
    context: dict[str, str],
    tasks: list[dict[str, Any]],
    replies: dict[str, list[dict[str, Any]]],
    answer: str,
    **expect: Any,
) -> Case:
    return {
        "id": id,
        "goal": goal,
        "context": context,
        **expect,
        "script": {
            "plan": [say(json.dumps({"tasks": tasks}))],
            "agents": replies,
            "synthesize": [say(answer)],
        },
    }


def solo(
    id: str,
    goal: str,
    context: dict[str, str],
    task_id: str,
    agent: str,
    instruction: str,
    replies: list[dict[str, Any]],
    answer: str,
    **expect: Any,
) -> Case:
    """A case whose plan is one task for one agent."""
    return case(
        id, goal, context, [task(task_id, agent, instruction)], {agent: replies}, answer, **expect
    )


def expect_call(tool: str, outcome: str = "ok", **arguments: Any) -> dict[str, Any]:
    return {"tool": tool, "arguments": arguments, "outcome": outcome}
