"""`openai:MODEL` through the official SDK; any OpenAI-compatible server via OPENAI_BASE_URL."""

import json
import os
import time
from typing import Any

import openai
from temporalio.exceptions import ApplicationError

from relay.activities.providers import errors
from relay.activities.providers.base import ReusedClients
from relay.activities.providers.credentials import require_key
from relay.activities.providers.prices import priced_usage
from relay.agents.llm_models import LlmRequest, LlmResponse, Message, ToolCall


def to_openai_message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}


class OpenAIProvider:
    def __init__(self, timeout_seconds: float) -> None:
        self._clients = ReusedClients(
            lambda key, base_url: openai.AsyncOpenAI(
                api_key=key, base_url=base_url, max_retries=0, timeout=timeout_seconds
            )
        )

    def _client(self) -> openai.AsyncOpenAI:
        return self._clients.get(require_key("openai"), os.environ.get("OPENAI_BASE_URL") or None)

    async def close(self) -> None:
        await self._clients.close()

    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        body: dict[str, Any] = {
            "model": model,
            "messages": [to_openai_message(m) for m in request.messages],
        }
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        if request.cache_seconds is not None:  # a cached answer is the one answer
            body["temperature"] = 0
        if request.response_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.response_schema},
            }
        started = time.perf_counter()
        client = self._client()
        try:
            reply = await client.chat.completions.create(**body)
        except Exception as err:
            raise errors.map_provider_error("openai", err) from err
        if not reply.choices:
            raise errors.empty_answer("openai", "no choices")
        message = reply.choices[0].message
        if getattr(message, "refusal", None):
            raise errors.refusal("openai", message.refusal)
        calls = [
            ToolCall(
                id=c.id, name=c.function.name, arguments=_arguments("openai", c.function.arguments)
            )
            for c in message.tool_calls or []
        ]
        if not calls and not (message.content or "").strip():
            raise errors.empty_answer("openai", f"finish_reason={reply.choices[0].finish_reason}")
        usage = reply.usage
        return LlmResponse(
            content=message.content or "",
            tool_calls=calls,
            model=f"openai:{reply.model}",
            usage=priced_usage(
                f"openai:{model}",
                usage.prompt_tokens if usage else 0,
                usage.completion_tokens if usage else 0,
            ),
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _arguments(provider: str, raw: str) -> dict[str, Any]:
    """Tool-call arguments arrive as a JSON string; anything else is a malformed answer."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as err:
        raise ApplicationError(
            f"{provider} sent tool arguments that are not JSON: {raw[:200]}", type=errors.MALFORMED
        ) from err
    if not isinstance(value, dict):
        raise ApplicationError(
            f"{provider} sent tool arguments that are not an object", type=errors.MALFORMED
        )
    return value
