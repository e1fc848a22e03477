"""`anthropic:MODEL` through the official SDK's messages API."""

import json
import os
import time
from typing import Any

import anthropic

from relay.activities.providers import errors
from relay.activities.providers.base import ReusedClients
from relay.activities.providers.credentials import require_key
from relay.activities.providers.prices import priced_usage
from relay.agents.llm_models import LlmRequest, LlmResponse, Message, ToolCall

MAX_TOKENS = 4096


def to_anthropic(messages: list[Message]) -> tuple[str, list[dict[str, Any]]]:
    """System text, and turns where consecutive tool results share one user turn."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
            }
            if turns and turns[-1]["role"] == "user" and isinstance(turns[-1]["content"], list):
                turns[-1]["content"].append(block)
            else:
                turns.append({"role": "user", "content": [block]})
        elif message.role == "assistant" and message.tool_calls:
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": message.content}] if message.content else []
            )
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in message.tool_calls
            ]
            turns.append({"role": "assistant", "content": blocks})
        else:
            turns.append({"role": message.role, "content": message.content})
    return system, turns


class AnthropicProvider:
    def __init__(self, timeout_seconds: float) -> None:
        self._clients = ReusedClients(
            lambda key, base_url: anthropic.AsyncAnthropic(
                api_key=key, base_url=base_url, max_retries=0, timeout=timeout_seconds
            )
        )

    def _client(self) -> anthropic.AsyncAnthropic:
        return self._clients.get(
            require_key("anthropic"), os.environ.get("ANTHROPIC_BASE_URL") or None
        )

    async def close(self) -> None:
        await self._clients.close()

    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        system, turns = to_anthropic(request.messages)
        if request.response_schema is not None:
            # No portable JSON mode here: ask for it; the caller validates and re-asks.
            system += (
                "\n\nAnswer with only a JSON object matching this JSON schema:\n"
                + json.dumps(request.response_schema)
            )
        body: dict[str, Any] = {"model": model, "max_tokens": MAX_TOKENS, "messages": turns}
        if system:
            body["system"] = system
        if request.cache_seconds is not None:  # a cached answer is the one answer
            body["temperature"] = 0
        if request.tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
        started = time.perf_counter()
        client = self._client()
        try:
            reply = await client.messages.create(**body)
        except Exception as err:
            raise errors.map_provider_error("anthropic", err) from err
        text = "".join(b.text for b in reply.content if b.type == "text")
        calls = [
            ToolCall(id=b.id, name=b.name, arguments=dict(b.input))
            for b in reply.content
            if b.type == "tool_use"
        ]
        if reply.stop_reason == "refusal":
            raise errors.refusal("anthropic", text or "stop_reason=refusal")
        if not calls and not text.strip():
            raise errors.empty_answer("anthropic", f"stop_reason={reply.stop_reason}")
        return LlmResponse(
            content=text,
            tool_calls=calls,
            model=f"anthropic:{reply.model}",
            usage=priced_usage(
                f"anthropic:{model}", reply.usage.input_tokens, reply.usage.output_tokens
            ),
            latency_ms=(time.perf_counter() - started) * 1000,
        )
