"""`scripted`: a deterministic test double standing in for an LLM. Not a model.

The bare `scripted` route plays the app's own rule-based behaviour (`App(scripted=...)`, e.g.
the shop example's showcase brain). `scripted:FILE` reads a JSON script of canned replies:

    {"plan": [REPLY, ...], "agents": {"orders": [REPLY, ...]}, "synthesize": [REPLY, ...],
     "verify": {"orders": [REPLY]}, "summarize": [REPLY, ...]}
    REPLY = {"content": "...", "tool_calls": [{"name": "...", "arguments": {...}}]}
    or {"fail": "why"}: the model fails for good at that point

An agent's reply n answers its step n + 1 (other purposes: the request that already holds n
assistant messages), so a retried activity gets the same reply, and so does a conversation whose
older turns were folded into a summary; past the end the last reply repeats. A section that is
missing falls back to the app's behaviour (an app with none answers with a non-retryable
error); a `summarize` request without a section gets a plain, deterministic summary.
"""

import asyncio
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.exceptions import ApplicationError

from relay.activities.providers.prices import priced_usage
from relay.agents.llm_models import LlmRequest, LlmResponse, Message, ToolCall

# An app's scripted behaviour: the request a model would see -> (content, tool calls).
Brain = Callable[[LlmRequest], tuple[str, list[ToolCall]]]


class ScriptedCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict = Field(default_factory=dict)


class ScriptedReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = ""
    tool_calls: list[ScriptedCall] = Field(default_factory=list)
    # The model fails here for good (a provider outage mid-conversation, for fault tests).
    fail: str | None = None


class Script(BaseModel):
    """A `scripted:FILE.json` route's replies, by purpose: `plan`, `agents` (by agent name),
    `synthesize`, `verify` (by agent: the re-ask when an answer names ids or amounts its tools
    never returned; none left: the task is marked unverified) and `summarize` (folding an
    agent's older turns; none: a plain summary). Each list is played in order, its last reply
    repeating. Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    plan: list[ScriptedReply] = Field(default_factory=list)
    agents: dict[str, list[ScriptedReply]] = Field(default_factory=dict)
    synthesize: list[ScriptedReply] = Field(default_factory=list)
    verify: dict[str, list[ScriptedReply]] = Field(default_factory=dict)  # grounding re-asks
    summarize: list[ScriptedReply] = Field(default_factory=list)  # an agent's memory folds

    def replies_for(self, request: LlmRequest) -> list[ScriptedReply]:
        if request.purpose == "agent":
            return self.agents.get(request.agent, [])
        if request.purpose == "verify":
            return self.verify.get(request.agent, [])
        if request.purpose == "summarize":
            return self.summarize
        return self.plan if request.purpose == "plan" else self.synthesize


def read_script(path: str) -> Script | str:
    """The script at `path`, or what is wrong with it in one line naming the key. Never the
    file's contents: a route can name any file the worker may read."""
    try:
        return Script.model_validate_json(Path(path).read_text())
    except OSError as err:
        problem = err.strerror or type(err).__name__
    except ValidationError as err:
        first = err.errors(include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        problem = f"{where}: {first['msg']}{more}"
    except ValueError:
        problem = "not a readable script"
    return f"cannot use script {path}: {problem}"


def _load_script(path: str) -> Script:
    script = read_script(path)
    if isinstance(script, str):
        raise ApplicationError(
            f"scripted model: {script}", non_retryable=True, type="ScriptInvalid"
        )
    return script


def _approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def count_replies(messages: list[Message]) -> int:
    return sum(1 for m in messages if m.role == "assistant")


def reply_index(request: LlmRequest) -> int:
    """Which scripted reply answers this request (see the module's docstring)."""
    if request.purpose == "agent" and request.step > 0:
        return request.step - 1
    return count_replies(request.messages)


def plain_summary(request: LlmRequest) -> str:
    """A deterministic summary of folded messages: how many, and the tools they called."""
    folded = request.messages[-1].content.splitlines()
    calls = Counter(re.findall(r"(?:calls: |; )(\w+)\(", request.messages[-1].content))
    called = ", ".join(f"{name} x{count}" for name, count in sorted(calls.items()))
    return f"{len(folded)} earlier lines folded; tools called: {called or 'none'}."


class ScriptedProvider:
    """`latency_ms` (low, high): each answer takes a uniform random time in that range, as a
    real model's would (RELAY_SCRIPTED_LATENCY_MS=300-800, for benchmarks)."""

    def __init__(
        self, brain: Brain | None = None, latency_ms: tuple[float, float] | None = None
    ) -> None:
        self._brain = brain
        self._latency_ms = latency_ms

    async def close(self) -> None:
        """Nothing to release."""

    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        started = time.perf_counter()
        if self._latency_ms is not None:
            await asyncio.sleep(random.uniform(*self._latency_ms) / 1000)
        replies = _load_script(model).replies_for(request) if model else []
        if replies:
            index = min(reply_index(request), len(replies) - 1)
            reply = replies[index]
            if reply.fail is not None:
                raise ApplicationError(reply.fail, non_retryable=True, type="ScriptedFailure")
            content = reply.content
            calls = [
                ToolCall(id=f"call-{request.step}-{n}", name=c.name, arguments=c.arguments)
                for n, c in enumerate(reply.tool_calls)
            ]
        elif request.purpose == "summarize":
            content, calls = plain_summary(request), []
        elif self._brain is not None:
            content, calls = self._brain(request)
        else:
            raise ApplicationError(
                f"the scripted test double has no reply for {request.purpose} "
                f"({request.agent}) and this app has no scripted behaviour; "
                "give the route a script: scripted:FILE.json",
                non_retryable=True,
                type="ScriptInvalid",
            )
        prompt = "".join(m.content for m in request.messages)
        entry = "scripted" + (f":{model}" if model else "")
        completion = content + json.dumps([c.arguments for c in calls])
        return LlmResponse(
            content=content,
            tool_calls=calls,
            model=entry,
            # Free, unless RELAY_PRICES prices this entry (tests of cost limits do).
            usage=priced_usage(entry, _approx_tokens(prompt), _approx_tokens(completion)),
            latency_ms=(time.perf_counter() - started) * 1000,
        )
