"""The provider interface every model backend implements, and the SDK clients they reuse."""

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from relay.agents.llm_models import LlmRequest, LlmResponse


class Provider(Protocol):
    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        """Answer one request. `model` is the part of the route entry after the colon."""
        ...

    async def close(self) -> None:
        """Release what the provider holds (connection pools) when the worker stops."""
        ...


def split_route_entry(entry: str) -> tuple[str, str]:
    """`openai:gpt-4o-mini` -> ("openai", "gpt-4o-mini"); `scripted` -> ("scripted", "")."""
    provider, _, model = entry.strip().partition(":")
    return provider, model


class Closable(Protocol):
    async def close(self) -> None: ...


Client = TypeVar("Client", bound=Closable)


class ReusedClients(Generic[Client]):
    """One SDK client (and so one connection pool) per worker and endpoint, instead of one
    built and closed on every call. Keyed by (key, base URL): a rotated key gets a new one."""

    def __init__(self, make: Callable[[str, str | None], Client]) -> None:
        self._make = make
        self._clients: dict[tuple[str, str | None], Client] = {}

    def get(self, key: str, base_url: str | None) -> Client:
        if (key, base_url) not in self._clients:
            self._clients[(key, base_url)] = self._make(key, base_url)
        return self._clients[(key, base_url)]

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()
