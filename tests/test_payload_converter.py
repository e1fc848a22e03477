"""relay's payload converter is pydantic's, made once per process: a model is written without
its default-valued fields and read back equal; a payload written whole (every history recorded
before) reads the same; one shared set of component converters (so type adapters are built
once, not per workflow instance), none of which takes a serialization context (the constant
the converter relies on)."""

import json

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import WithSerializationContext, WorkflowSerializationContext

from relay import GoalRequest
from relay.agents.llm_models import LlmResponse, Usage
from relay.agents.tool_models import ToolInfo
from relay.temporal.codec import RELAY_CONVERTER
from relay.temporal.payload_converter import RelayPayloadConverter

VALUES = [
    GoalRequest(goal="Refund my last order", context={"customer_id": "C-1001"}),
    LlmResponse(content="ok", model="scripted", usage=Usage(llm_calls=1)),
    ToolInfo(name="look_up", description="Look up.", parameters={"type": "object"}, risk="read"),
    {"plain": [1, "two"]},
    None,
    b"bytes",
]
HINTS = [GoalRequest, LlmResponse, ToolInfo, dict, type(None), bytes]


def test_models_are_written_without_their_defaults_and_read_back_equal() -> None:
    payloads = RELAY_CONVERTER.payload_converter.to_payloads(VALUES)
    assert RELAY_CONVERTER.payload_converter.from_payloads(payloads, HINTS) == VALUES
    assert json.loads(payloads[1].data) == {
        "content": "ok", "model": "scripted", "usage": {"llm_calls": 1}
    }  # fmt: skip
    assert json.loads(payloads[2].data) == {
        "name": "look_up", "description": "Look up.", "parameters": {"type": "object"},
        "risk": "read",
    }  # fmt: skip
    whole = pydantic_data_converter.payload_converter.to_payloads(VALUES)
    assert sum(len(p.data) for p in payloads) < sum(len(p.data) for p in whole)
    # What histories recorded before hold: every field, defaults too. It reads the same.
    assert RELAY_CONVERTER.payload_converter.from_payloads(whole, HINTS) == VALUES


def test_every_workflow_instance_shares_one_set_of_converters() -> None:
    first, second = RelayPayloadConverter(), RelayPayloadConverter()
    assert list(first.converters) == list(second.converters)
    pairs = zip(first.converters.values(), second.converters.values(), strict=True)
    assert all(a is b for a, b in pairs)
    context = WorkflowSerializationContext(namespace="default", workflow_id="w")
    assert first.with_context(context) is first


def test_no_component_takes_a_serialization_context() -> None:
    """Were one to (a new SDK), the constant in RelayPayloadConverter would hide it."""
    converters = RelayPayloadConverter().converters.values()
    assert not [c for c in converters if isinstance(c, WithSerializationContext)]
