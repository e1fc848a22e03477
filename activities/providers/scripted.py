"""`scripted`: a deterministic test double standing in for an LLM.

`scripted` plays the showcase through the rule-based brain. `scripted:FILE` reads a JSON script
of canned replies, used by tests for edge cases:

    {"plan": [REPLY, ...], "agents": {"orders": [REPLY, ...]}, "synthesize": [REPLY, ...],
     "verify": {"orders": [REPLY]}}
    REPLY = {"content": "...", "tool_calls": [{"name": "...", "arguments": {...}}]}
    or {"fail": "why"}: the model fails for good at that point

Reply n answers the request that already holds n assistant messages, so a retried activity
gets the same reply; past the end the last reply repeats. A section that is missing falls back
to the brain.
"""

import json
import time
from pathlib import Path

from pydantic import BaseModel, Field
from temporalio.exceptions import ApplicationError

from activities.providers import showcase_brain
from activities.providers.prices import priced_usage
from agents.models import LlmRequest, LlmResponse, ToolCall


class ScriptedCall(BaseModel):
    name: str
    arguments: dict = Field(default_factory=dict)


class ScriptedReply(BaseModel):
    content: str = ""
    tool_calls: list[ScriptedCall] = Field(default_factory=list)
    # The model fails here for good (a provider outage mid-conversation, for fault tests).
    fail: str | None = None


class Script(BaseModel):
    plan: list[ScriptedReply] = Field(default_factory=list)
    agents: dict[str, list[ScriptedReply]] = Field(default_factory=dict)
    synthesize: list[ScriptedReply] = Field(default_factory=list)
    verify: dict[str, list[ScriptedReply]] = Field(default_factory=dict)  # grounding re-asks

    def replies_for(self, request: LlmRequest) -> list[ScriptedReply]:
        if request.purpose == "agent":
            return self.agents.get(request.agent, [])
        if request.purpose == "verify":
            return self.verify.get(request.agent, [])
        return self.plan if request.purpose == "plan" else self.synthesize


def _load_script(path: str) -> Script:
    try:
        return Script.model_validate_json(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise ApplicationError(
            f"scripted model: cannot use script {path}: {err}",
            non_retryable=True,
            type="ScriptInvalid",
        ) from err


def _approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedProvider:
    async def complete(self, request: LlmRequest, model: str) -> LlmResponse:
        started = time.perf_counter()
        replies = _load_script(model).replies_for(request) if model else []
        if replies:
            index = min(showcase_brain.count_replies(request.messages), len(replies) - 1)
            reply = replies[index]
            if reply.fail is not None:
                raise ApplicationError(reply.fail, non_retryable=True, type="ScriptedFailure")
            content = reply.content
            calls = [
                ToolCall(id=f"call-{request.step}-{n}", name=c.name, arguments=c.arguments)
                for n, c in enumerate(reply.tool_calls)
            ]
        else:
            content, calls = showcase_brain.respond(request)
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
