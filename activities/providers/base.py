"""The provider interface every model backend implements."""

from typing import Protocol

from relay.agents.models import LlmRequest, LlmResponse


class Provider(Protocol):
    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        """Answer one request. `model` is the part of the route entry after the colon."""
        ...


def split_route_entry(entry: str) -> tuple[str, str]:
    """`openai:gpt-4o-mini` -> ("openai", "gpt-4o-mini"); `scripted` -> ("scripted", "")."""
    provider, _, model = entry.strip().partition(":")
    return provider, model
