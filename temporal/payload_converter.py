"""relay's payload converter: pydantic's, made once per process instead of once per workflow.

The SDK makes a payload converter for every workflow instance (its `payload_converter_class()`
is called in each). pydantic's then starts with an empty cache of type adapters, so every run
rebuilt the adapters of AgentTask, LlmResponse and the rest, and asked, through the sandbox's
wrapped builtins, whether any of its converters take a serialization context (none do): tens
of milliseconds of worker CPU per goal. Here every instance shares one set of component
converters (their adapter cache is a thread-safe `functools.lru_cache`; they hold no other
state), and the answer to that question is known. The bytes written are pydantic's, unchanged.
"""

import functools

from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import CompositePayloadConverter, EncodingPayloadConverter


@functools.cache
def _components() -> tuple[EncodingPayloadConverter, ...]:
    return tuple(PydanticPayloadConverter().converters.values())


class RelayPayloadConverter(PydanticPayloadConverter):
    # None of pydantic's, the binary or the protobuf converters takes a serialization context
    # (tests/test_payload_converter.py checks), so `with_context` keeps this instance.
    _any_converter_takes_context = False

    def __init__(self) -> None:
        CompositePayloadConverter.__init__(self, *_components())
