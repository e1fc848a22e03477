"""`FunctionModel`: a test double of a model, programmed by one function. It answers every model
call of a run (plan, agent turns, verify, summarize, synthesize) with what the function returns
for the request: the purpose, the agent, its step, the messages and the tools it may call."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from relay.agents.llm_models import LlmRequest, ToolCall

# What the function may return: text, one tool call, several, or (text, calls).
Answer = str | ToolCall | list[ToolCall] | tuple[str, list[ToolCall]]


def tool_call(name: str, **arguments: Any) -> ToolCall:
    """A call of a tool, as a model would make it."""
    return ToolCall(id=f"call-{uuid.uuid4().hex[:8]}", name=name, arguments=arguments)


def plan(*tasks: dict[str, Any]) -> str:
    """A plan's JSON: `plan({"id": "a", "agent": "access", "instruction": "Unlock U-1001."})`
    (a task may name `depends_on`)."""
    return json.dumps({"tasks": list(tasks)})


@dataclass(frozen=True)
class FunctionModel:
    """`FunctionModel(answer)` where `answer(request: LlmRequest)` returns the model's reply.
    Branch on `request.purpose` ("plan", "agent", "verify", "summarize", "synthesize"),
    `request.agent`, `request.step`, `request.messages` (tool results are `tool` messages)
    and `request.tools`."""

    answer: Callable[[LlmRequest], Answer]

    def __call__(self, request: LlmRequest) -> tuple[str, list[ToolCall]]:
        reply = self.answer(request)
        if isinstance(reply, str):
            return reply, []
        if isinstance(reply, ToolCall):
            return "", [reply]
        if isinstance(reply, list):
            return "", list(reply)
        if isinstance(reply, tuple) and len(reply) == 2:
            return reply[0], list(reply[1])
        raise TypeError(
            f"a FunctionModel answer is text, a ToolCall, a list of them or (text, calls); "
            f"got {type(reply).__name__}"
        )
