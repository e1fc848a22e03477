"""The LLM activity: one model call through the provider named by the route entry, guarded by
the worker's circuit breaker."""

import asyncio
import time
from collections.abc import Awaitable

from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.activities.conversations import (
    CONVERSATION_UNKNOWN,
    ConversationCache,
    recorded_conversation,
)
from relay.activities.faults import kill_if
from relay.activities.providers import errors
from relay.activities.providers.base import split_route_entry
from relay.activities.providers.breaker import CircuitBreaker
from relay.activities.providers.model_gate import ModelGate
from relay.activities.providers.registry import build_providers
from relay.activities.providers.response_cache import ResponseCache
from relay.activities.recorded_tools import recorded_tools
from relay.activities.telemetry import CACHE_HITS, llm_span
from relay.activities.tool_catalog import ToolCatalog
from relay.agents.argument_check import ArgumentCheck, ArgumentVerdict, invalid_calls, schema_errors
from relay.agents.conversation_chain import chained
from relay.agents.llm_models import LlmRequest, LlmResponse, ToolSchema
from relay.agents.tool_digest import TOOLS_UNKNOWN
from relay.settings import Settings
from relay.testing.scripted import Brain
from relay.tools.store import Store

HEARTBEAT_EVERY_SECONDS = 2.0
# Failures that say nothing about the provider's health: the request itself was wrong.
_CALLERS_FAULT = {errors.BAD_REQUEST, errors.CONTEXT_LENGTH, errors.MISSING_CREDENTIALS}


class LlmActivities:
    """`store` and `app`: the route limits every worker shares (RELAY_MODEL_LIMITS) and the
    app's response cache; without a store, neither."""

    def __init__(
        self,
        settings: Settings,
        brain: Brain | None = None,
        catalog: ToolCatalog | None = None,
        store: Store | None = None,
        app: str = "",
    ) -> None:
        self._providers = build_providers(settings, brain)
        self._catalog = catalog
        self._conversations = ConversationCache()
        self._gate = ModelGate(store, settings.model_limits)
        self._cache = ResponseCache(store, app) if store is not None else None
        self._breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_open_seconds)
        self._trace_content = settings.trace_content
        self._fault = settings.fault

    async def close(self) -> None:
        for provider in self._providers.values():
            await provider.close()

    @activity.defn(name="llm")
    async def call_llm(self, request: LlmRequest) -> LlmResponse:
        request = await self._with_tools(await self._whole(request))
        reply = await self._answer(request)
        invalid = invalid_calls(request.tools, reply.tool_calls)
        return reply.model_copy(update={"invalid_arguments": invalid}) if invalid else reply

    @activity.defn(name="check_tool_arguments")
    async def check_tool_arguments(self, check: ArgumentCheck) -> ArgumentVerdict:
        """Edited arguments against the schema of a run's tool by reference, where the
        schemas are (known to this worker, or read back from the goal's history)."""
        tool = next(
            (t for t in await self._tools(check.tools_digest) if t.name == check.tool), None
        )
        if tool is None:
            return ArgumentVerdict(error=f"{check.tool} is not among the run's tools")
        return ArgumentVerdict(error=schema_errors(tool.parameters, check.arguments))

    async def _answer(self, request: LlmRequest) -> LlmResponse:
        provider_name, model = split_route_entry(request.model)
        provider = self._providers.get(provider_name)
        if provider is None:
            raise ApplicationError(
                f"unknown model provider {provider_name!r} in route entry {request.model!r}; "
                f"known: {', '.join(self._providers)}",
                non_retryable=True,
                type="UnknownProvider",
            )
        cached = await self._cached(request)  # a cached answer needs no provider
        if cached is not None:
            return cached
        if not self._breaker.allow(provider_name):
            raise ApplicationError(
                f"{provider_name} is skipped: its circuit breaker is open after repeated failures",
                non_retryable=True,
                type=errors.CIRCUIT_OPEN,
            )
        slot = await self._gate.admit(request)
        try:
            with llm_span(request, provider_name, model, self._trace_content) as replies:
                reply = await _heartbeating(provider.complete(request, model))
                replies.append(reply)
        except ApplicationError as err:
            if err.type not in _CALLERS_FAULT:
                self._breaker.failed(provider_name)
            await self._gate.refused(request.model, err)
            raise
        self._breaker.succeeded(provider_name)
        used = reply.usage.input_tokens + reply.usage.output_tokens
        await self._gate.used(request.model, slot, used)
        if self._cache is not None and request.cache_seconds is not None:
            await asyncio.to_thread(self._cache.put, request, reply, time.time())
        kill_if(f"llm-answered:{request.agent}", self._fault)
        activity.logger.info(
            "%s answered in %.0f ms (%d in / %d out tokens)",
            reply.model,
            reply.latency_ms,
            reply.usage.input_tokens,
            reply.usage.output_tokens,
            extra={"agent": request.agent, "step": request.step},
        )
        return reply

    async def _cached(self, request: LlmRequest) -> LlmResponse | None:
        if self._cache is None or request.cache_seconds is None:
            return None
        reply = await asyncio.to_thread(self._cache.get, request, time.time())
        if reply is not None:
            CACHE_HITS.add(1, {"route": request.model})
            activity.logger.info(
                "%s answered from the response cache",
                request.model,
                extra={"agent": request.agent, "step": request.step},
            )
        return reply

    async def _whole(self, request: LlmRequest) -> LlmRequest:
        """An agent's turn with its whole conversation: the earlier one it continues (seen by
        this worker, else read back from the run's history), then its own messages."""
        if request.purpose != "agent":
            return request
        messages = request.messages
        if request.continues is not None:
            earlier = self._conversations.get(request.continues)
            if earlier is None:
                info = activity.info()
                earlier = await recorded_conversation(
                    activity.client(),
                    info.workflow_id or "",
                    info.workflow_run_id or "",
                    request.continues,
                )
            if earlier is None:
                raise ApplicationError(
                    f"the conversation {request.continues} this turn continues is neither known "
                    "to this worker nor recorded in the run's history",
                    non_retryable=True,
                    type=CONVERSATION_UNKNOWN,
                )
            messages = earlier + messages
        self._conversations.remember(chained(request.continues, request.messages), messages)
        return request.model_copy(update={"messages": messages, "continues": None})

    async def _with_tools(self, request: LlmRequest) -> LlmRequest:
        """The request with its tools' schemas when it names them by digest."""
        if request.tools_digest is None or request.tools:
            return request
        return request.model_copy(update={"tools": await self._tools(request.tools_digest)})

    async def _tools(self, digest: str) -> list[ToolSchema]:
        """The schemas with `digest`: known to this worker, else read back from the goal's
        history (what the run recorded when it started)."""
        tools = self._catalog.lookup(digest) if self._catalog else None
        if tools is None:
            info = activity.info()
            tools = await recorded_tools(
                activity.client(), info.workflow_id or "", info.workflow_run_id or "", digest
            )
            if tools is not None and self._catalog is not None:
                self._catalog.remember(tools)
        if tools is None:
            raise ApplicationError(
                f"this worker does not know the tools with digest {digest}, and the goal's "
                "history does not record them",
                non_retryable=True,
                type=TOOLS_UNKNOWN,
            )
        return tools


async def _heartbeating(call: Awaitable[LlmResponse]) -> LlmResponse:
    """Await the provider, heartbeating meanwhile: a worker that dies mid-call is noticed at
    the heartbeat timeout (seconds) instead of the LLM timeout (minutes)."""
    task = asyncio.ensure_future(call)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_SECONDS)
        if done:
            return task.result()
        activity.heartbeat()
