"""The LLM activity: one model call through the provider named by the route entry."""

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.providers.base import split_route_entry
from activities.providers.registry import PROVIDERS
from agents.models import LlmRequest, LlmResponse


@activity.defn(name="llm")
async def call_llm(request: LlmRequest) -> LlmResponse:
    provider_name, model = split_route_entry(request.model)
    provider = PROVIDERS.get(provider_name)
    if provider is None:
        raise ApplicationError(
            f"unknown model provider {provider_name!r} in route entry {request.model!r}; "
            f"known: {', '.join(PROVIDERS)}",
            non_retryable=True,
            type="UnknownProvider",
        )
    return await provider.complete(request, model)
