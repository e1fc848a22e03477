"""relay's payload converter: pydantic's, made once per process instead of once per workflow,
and writing a model without the fields that hold their defaults.

The SDK makes a payload converter for every workflow instance (its `payload_converter_class()`
is called in each). pydantic's then starts with an empty cache of type adapters, so every run
rebuilt the adapters of AgentTask, LlmResponse and the rest, and asked, through the sandbox's
wrapped builtins, whether any of its converters take a serialization context (none do): tens
of milliseconds of worker CPU per goal. Here every instance shares one set of component
converters (their adapter cache is a thread-safe `functools.lru_cache`; they hold no other
state), and the answer to that question is known.

A model is written without its default-valued fields (a quarter of a goal's history was
defaults: `"approval_rule": null`, `"guarded": false`, ...); reading fills them back, and a
payload written whole (every history recorded before) reads the same. The rule this sets: a
field's default never changes once runs have recorded the model; a new behaviour comes with a
new field whose default is the old behaviour (as RunConfig's flags do).

A model only relay's own workflows and activities exchange (agents/internal.py) is marked as
compressible; the compression codec takes the mark off, and compresses it when it is large.
"""

import functools
from typing import Any

from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, PydanticPayloadConverter
from temporalio.converter import CompositePayloadConverter, EncodingPayloadConverter

from relay.agents.internal import InternalModel
from relay.temporal.compression import COMPRESSIBLE


class LeanJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    def to_payload(self, value: Any) -> Payload | None:
        if isinstance(value, BaseModel):
            data = value.model_dump_json(exclude_defaults=True).encode()
            payload = Payload(metadata={"encoding": self.encoding.encode()}, data=data)
            if isinstance(value, InternalModel):
                payload.metadata[COMPRESSIBLE] = b"1"
            return payload
        return super().to_payload(value)


@functools.cache
def _components() -> tuple[EncodingPayloadConverter, ...]:
    lean = LeanJSONPayloadConverter()
    return tuple(
        lean if encoding == lean.encoding.encode() else converter
        for encoding, converter in PydanticPayloadConverter().converters.items()
    )


class RelayPayloadConverter(PydanticPayloadConverter):
    # None of pydantic's, the binary or the protobuf converters takes a serialization context
    # (tests/test_payload_converter.py checks), so `with_context` keeps this instance.
    _any_converter_takes_context = False

    def __init__(self) -> None:
        CompositePayloadConverter.__init__(self, *_components())
