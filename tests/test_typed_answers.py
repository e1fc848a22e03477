"""Typed answers (`Agent(output=...)`, `App(output=...)`): an answer that does not validate is
sent back once with the errors; a valid one is returned as data next to the text. Run with
`run_goal` and a FunctionModel, through the public API only."""

import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from relay import Agent, App, ToolContext, ToolSet
from relay.agents.specs import SpecError
from relay.app import AppError
from relay.testing import FunctionModel, LlmRequest, plan, run_goal, tool_call


class Shipment(BaseModel):
    order_id: str = Field(pattern=r"^O-\d+$")
    status: Literal["in_transit", "delivered"]


class Answer(BaseModel):
    summary: str
    orders: list[str]


tools = ToolSet()


@tools.tool(risk="read")
def track(order_id: str, ctx: ToolContext) -> dict[str, str]:
    """Where an order is."""
    return {"order_id": order_id, "status": "in_transit"}


tracker = Agent(
    "tracker",
    description="Tracks orders.",
    instructions="Track the order.",
    tools=[track],
    output=Shipment,
)
app = App("typed", agents=[tracker], tools=tools, output=Answer)


def planned(request: LlmRequest) -> str:
    return plan({"id": "t", "agent": "tracker", "instruction": "Track O-5001."})


def first_reply_wrong(request: LlmRequest) -> object:
    """The agent's first answer names an unknown status; the synthesis is typed at once."""
    if request.purpose == "plan":
        return planned(request)
    if request.purpose == "agent":
        if not any(m.role == "tool" for m in request.messages):
            return tool_call("track", order_id="O-5001")
        if request.messages[-1].role == "tool":
            return json.dumps({"order_id": "O-5001", "status": "lost"})
        return json.dumps({"order_id": "O-5001", "status": "in_transit"})
    return '```json\n{"summary": "O-5001 is in transit.", "orders": ["O-5001"]}\n```'


async def test_an_invalid_typed_answer_is_sent_back_once_and_the_output_is_data() -> None:
    seen: list[LlmRequest] = []

    def model(request: LlmRequest) -> object:
        seen.append(request)
        return first_reply_wrong(request)

    run = await run_goal(app, "Where is O-5001?", model=FunctionModel(model))
    assert run.result.status == "completed", run.result.answer
    assert run.agents["tracker"].output == {"order_id": "O-5001", "status": "in_transit"}
    assert run.result.tasks[0].output == {"order_id": "O-5001", "status": "in_transit"}
    assert run.result.output == {"summary": "O-5001 is in transit.", "orders": ["O-5001"]}
    agent_turns = [r for r in seen if r.purpose == "agent"]
    assert len(agent_turns) == 3  # the tool call, the invalid answer, the corrected one
    # The agent was told the schema up front, and why its answer went back.
    assert '"in_transit"' in agent_turns[0].messages[0].content
    sent_back = agent_turns[2].messages[-1]
    assert sent_back.role == "user" and "not a valid Shipment: status:" in sent_back.content


async def test_an_answer_still_invalid_after_the_re_ask_is_unverified() -> None:
    def model(request: LlmRequest) -> object:
        if request.purpose == "plan":
            return planned(request)
        if request.purpose == "agent":
            return "It is on its way."  # never JSON
        return "Not JSON either."

    run = await run_goal(app, "Where is O-5001?", model=FunctionModel(model))
    agent = run.agents["tracker"]
    assert agent.status == "unverified" and agent.output is None
    assert "[unverified: the answer is not a valid Shipment" in agent.answer
    assert run.result.status == "partial"
    assert run.result.output is None
    assert any("the goal's answer is not a valid Answer" in w for w in run.result.warnings)


def test_an_output_that_is_not_a_model_fails_at_definition_in_one_line() -> None:
    with pytest.raises(SpecError, match="agent 'x': output must be a pydantic model class"):
        Agent("x", description="d", instructions="i", output=dict)
    with pytest.raises(AppError, match="app 'y': output must be a pydantic model class"):
        App("y", agents=[tracker], tools=tools, output="Answer")  # type: ignore[arg-type]
