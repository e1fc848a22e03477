"""Test doubles, named as such, and a goal run in-process for an app's own tests:

- `FunctionModel(answer)`: a model programmed by one function (`tool_call`, `plan` help).
- `run_goal(app, goal, model=..., decide=...)`: the goal on Temporal's time-skipping test
  server, its approvals answered by `decide`; returns a `GoalRun` (result, agents, tool calls).
- the `scripted` model route (canned or rule-based replies, `scripted:FILE.json`), and for a
  rule-based brain `agents_brain(...)` and `upstream_results(request)`.

`run_goal` and its types are imported on first use: the worker imports this package for the
`scripted` route, and run_goal imports the worker.
"""

import importlib
from typing import TYPE_CHECKING, Any

from relay.agents.llm_models import LlmRequest, ToolCall
from relay.agents.prompts import tool_output_body
from relay.testing.brains import agents_brain, upstream_results
from relay.testing.function_model import FunctionModel, plan, tool_call
from relay.testing.scripted import Brain, Script, ScriptedProvider, ScriptedReply

_LATER = {
    name: "relay.testing.goal_runner"
    for name in ("Decision", "GoalRun", "ToolCallSeen", "run_goal")
}

__all__ = [
    "Brain",
    "Decision",
    "FunctionModel",
    "GoalRun",
    "LlmRequest",
    "Script",
    "ScriptedProvider",
    "ScriptedReply",
    "ToolCall",
    "ToolCallSeen",
    "agents_brain",
    "plan",
    "run_goal",
    "tool_call",
    "tool_output_body",
    "upstream_results",
]

if TYPE_CHECKING:
    from relay.testing.goal_runner import Decision, GoalRun, ToolCallSeen, run_goal


def __getattr__(name: str) -> Any:
    if name in _LATER:
        return getattr(importlib.import_module(_LATER[name]), name)
    raise AttributeError(f"module 'relay.testing' has no attribute {name!r}")
