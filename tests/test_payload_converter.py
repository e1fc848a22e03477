"""relay's payload converter is pydantic's, made once per process: the same bytes, one shared
set of component converters (so type adapters are built once, not per workflow instance), and
none of them takes a serialization context (the constant the converter relies on)."""

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import WithSerializationContext, WorkflowSerializationContext

from relay import GoalRequest
from relay.agents.llm_models import LlmResponse, Usage
from relay.temporal.codec import RELAY_CONVERTER
from relay.temporal.payload_converter import RelayPayloadConverter


def test_payloads_are_pydantics_bytes_and_read_back() -> None:
    values = [
        GoalRequest(goal="Refund my last order", context={"customer_id": "C-1001"}),
        LlmResponse(content="ok", model="scripted", usage=Usage(llm_calls=1)),
        {"plain": [1, "two"]},
        None,
        b"bytes",
    ]
    ours = RELAY_CONVERTER.payload_converter.to_payloads(values)
    theirs = pydantic_data_converter.payload_converter.to_payloads(values)
    assert [p.SerializeToString() for p in ours] == [p.SerializeToString() for p in theirs]
    hints = [GoalRequest, LlmResponse, dict, type(None), bytes]
    assert RELAY_CONVERTER.payload_converter.from_payloads(ours, hints) == values


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
