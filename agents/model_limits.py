"""Limits of a provider route shared by every worker (RELAY_MODEL_LIMITS, configured like
prices): requests and tokens per window, written like a tool's rate (`500/minute`). Pure code;
the counting is activities/providers/model_rate.py, in relay's store."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from relay.agents.llm_models import LlmRequest
from relay.agents.rate_limits import Limit, parse_limit

# How long a model call waits in its activity for a slot before it gives up its attempt (then
# Temporal retries it after the wait the limiter named). Below the LLM activity's timeout.
MAX_QUEUE_SECONDS = 45.0
CHARS_PER_TOKEN = 4  # the estimate a request's tokens are reserved with before its answer
LONGEST_TTL_SECONDS = 30 * 86_400  # of App(cache_responses=...)


class ModelLimits(BaseModel):
    """`{"requests": "500/minute", "tokens": "200000/minute"}` for one route entry."""

    model_config = ConfigDict(extra="forbid")

    requests: Limit | None = None
    tokens: Limit | None = None

    @field_validator("requests", "tokens", mode="before")
    @classmethod
    def _written(cls, value: Any, info: Any) -> Any:
        return parse_limit(value, info.field_name) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _limits_something(self) -> "ModelLimits":
        if self.requests is None and self.tokens is None:
            raise ValueError('name "requests" and/or "tokens", e.g. {"requests": "500/minute"}')
        return self


def estimated_tokens(request: LlmRequest) -> int:
    """Tokens a request is counted for until its answer tells: its text, and as much again
    for the answer (at least 256)."""
    chars = sum(
        len(m.content) + sum(len(str(c.arguments)) for c in m.tool_calls) for m in request.messages
    )
    chars += sum(len(t.description) + len(str(t.parameters)) for t in request.tools)
    prompt = chars // CHARS_PER_TOKEN
    return prompt + max(256, prompt)
