"""Spans and metrics of LLM and tool calls, named by the OpenTelemetry GenAI semantic
conventions. Through the OpenTelemetry API only: with no provider configured (no
OTEL_EXPORTER_OTLP_ENDPOINT) every call here is a no-op and nothing leaves the process."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from relay.agents.llm_models import LlmRequest, LlmResponse

TRACER = trace.get_tracer("relay")
METER = metrics.get_meter("relay")

TOKEN_USAGE = METER.create_histogram(
    "gen_ai.client.token.usage", unit="{token}", description="tokens per LLM call"
)
LLM_DURATION = METER.create_histogram(
    "gen_ai.client.operation.duration", unit="s", description="LLM call latency"
)
LLM_COST = METER.create_counter("relay.llm.cost", unit="USD", description="priced LLM spend")
LLM_ERRORS = METER.create_counter("relay.llm.errors", description="failed LLM calls")
TOOL_DURATION = METER.create_histogram(
    "relay.tool.duration", unit="s", description="tool call latency"
)
TOOL_ERRORS = METER.create_counter("relay.tool.errors", description="failed tool calls")
RATE_LIMITED = METER.create_counter(
    "relay.tool.rate_limited", description="tool calls a rate limit or quota refused, by tool"
)
MODEL_QUEUED = METER.create_histogram(
    "relay.llm.queued", unit="s", description="time a model call waited for its route's limits"
)
CACHE_HITS = METER.create_counter(
    "relay.llm.cache_hits", description="model calls answered from the response cache"
)


@contextmanager
def llm_span(
    request: LlmRequest, provider: str, model: str, with_content: bool
) -> Iterator[list[LlmResponse]]:
    """One `chat MODEL` span around a model call; append the reply to the yielded list so
    its usage is recorded. Prompt and completion go in only with RELAY_TRACE_CONTENT=1."""
    common = {
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        "relay.agent": request.agent,
    }
    replies: list[LlmResponse] = []
    started = time.perf_counter()
    with TRACER.start_as_current_span(f"chat {model}", kind=SpanKind.CLIENT) as span:
        span.set_attributes(
            {"gen_ai.operation.name": "chat", "relay.purpose": request.purpose, **common}
        )
        span.set_attribute("relay.step", request.step)
        if with_content:
            messages = [m.model_dump(exclude_none=True) for m in request.messages]
            span.set_attribute("gen_ai.input.messages", json.dumps(messages))
        try:
            yield replies
        except Exception as err:
            LLM_ERRORS.add(1, {**common, "error.type": _error_type(err)})
            span.set_status(Status(StatusCode.ERROR, str(err)))
            span.set_attribute("error.type", _error_type(err))
            raise
        finally:
            LLM_DURATION.record(time.perf_counter() - started, common)
        for reply in replies:
            span.set_attributes(
                {
                    "gen_ai.response.model": reply.model,
                    "gen_ai.usage.input_tokens": reply.usage.input_tokens,
                    "gen_ai.usage.output_tokens": reply.usage.output_tokens,
                }
            )
            TOKEN_USAGE.record(reply.usage.input_tokens, {**common, "gen_ai.token.type": "input"})
            TOKEN_USAGE.record(reply.usage.output_tokens, {**common, "gen_ai.token.type": "output"})
            if reply.usage.cost_usd is not None:
                LLM_COST.add(reply.usage.cost_usd, common)
            if with_content:
                output = {"content": reply.content, "tool_calls": _calls(reply)}
                span.set_attribute("gen_ai.output.messages", json.dumps(output))


@contextmanager
def tool_span(tool: str, agent: str, source: str) -> Iterator[None]:
    """One `execute_tool NAME` span around a tool call, with its latency and errors."""
    common = {"gen_ai.tool.name": tool, "relay.agent": agent, "relay.tool.source": source}
    started = time.perf_counter()
    with TRACER.start_as_current_span(f"execute_tool {tool}", kind=SpanKind.INTERNAL) as span:
        span.set_attributes({"gen_ai.operation.name": "execute_tool", **common})
        try:
            yield
        except Exception as err:
            TOOL_ERRORS.add(1, {**common, "error.type": _error_type(err)})
            span.set_status(Status(StatusCode.ERROR, str(err)))
            raise
        finally:
            TOOL_DURATION.record(time.perf_counter() - started, common)


def _error_type(err: Exception) -> str:
    return getattr(err, "type", None) or type(err).__name__


def _calls(reply: LlmResponse) -> list[dict[str, Any]]:
    return [{"name": c.name, "arguments": c.arguments} for c in reply.tool_calls]
