"""What the local provider gives a small model (no model needed): regex patterns llama.cpp's
grammar can enforce, and a tool choice narrowed to what a step can use."""

from relay.activities.providers.local import agent_step_schema, grammar_schema, usable_tools
from relay.agents.llm_models import LlmRequest, Message, ToolSchema

ORDER = ToolSchema(
    name="get_order",
    description="An order by id.",
    parameters={"type": "object", "properties": {"order_id": {"pattern": r"^O-\d+$"}}},
)
READ = ToolSchema(
    name="read_stored_result",
    description="Read a stored result.",
    parameters={"type": "object", "properties": {"ref": {"pattern": r"^stored_results:\S+$"}}},
)


def test_patterns_spell_out_shorthand_classes_the_grammar_cannot_read() -> None:
    schema = grammar_schema(agent_step_schema([ORDER, READ]))
    [order, read, _] = schema["anyOf"]
    assert order["properties"]["arguments"]["properties"]["order_id"]["pattern"] == "^O-[0-9]+$"
    assert read["properties"]["arguments"]["properties"]["ref"]["pattern"] == (
        "^stored_results:[^ \\t\\n]+$"
    )
    inside = grammar_schema({"pattern": r"[\d-]+\w"})
    assert inside == {"pattern": "[0-9-]+[A-Za-z0-9_]"}


def request(*messages: Message) -> LlmRequest:
    return LlmRequest(
        model="local:qwen2.5-coder-1.5b",
        purpose="agent",
        agent="orders",
        messages=[Message(role="user", content="Task: my last order"), *messages],
        tools=[ORDER, READ],
    )


def test_reading_a_stored_result_is_offered_only_once_one_was_stored() -> None:
    assert [t.name for t in usable_tools(request())] == ["get_order"]
    stored = Message(
        role="tool",
        name="get_order",
        tool_call_id="c1",
        content='{"stored_as": "stored_results:goal/1.0"}',
    )
    assert [t.name for t in usable_tools(request(stored))] == ["get_order", "read_stored_result"]
