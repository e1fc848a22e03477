"""The LLM boundary: messages, tool calls and schemas a model sees, requests and answers, and
the usage every answer carries. Pure models, shared by workflows and activities."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from relay.agents.internal import InternalModel


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    llm_calls: int = 0
    # None means "unknown price", which is not the same as free.
    cost_usd: float | None = 0.0
    # Answers the response cache gave instead of a provider, and what they cost when asked.
    cached_calls: int = 0
    saved_usd: float = 0.0

    def cache_share(self) -> float:
        """Of the model answers, the share the response cache gave."""
        answers = self.llm_calls + self.cached_calls
        return self.cached_calls / answers if answers else 0.0

    def plus(self, other: "Usage") -> "Usage":
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else (self.cost_usd + other.cost_usd)
        )
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            llm_calls=self.llm_calls + other.llm_calls,
            cost_usd=cost,
            cached_calls=self.cached_calls + other.cached_calls,
            saved_usd=round(self.saved_usd + other.saved_usd, 8),
        )


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None


class ToolSchema(BaseModel):
    """What a model sees of a tool: name, description and JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


LlmPurpose = Literal["plan", "agent", "synthesize", "verify", "summarize"]


class LlmRequest(InternalModel):
    model: str  # one route entry, e.g. "openai:gpt-4o-mini" or "scripted"
    purpose: LlmPurpose
    agent: str
    step: int = 0
    messages: list[Message]
    # Set: `messages` continue the conversation an earlier request of this run named by this
    # digest (agents/conversation_chain.py); the model sees that conversation, then these.
    continues: str | None = Field(default=None, max_length=64)
    tools: list[ToolSchema] = Field(default_factory=list)
    # Set instead of `tools`: the worker resolves the schemas (activities/tool_catalog.py).
    tools_digest: str | None = None
    response_schema: dict[str, Any] | None = None
    # App(cache_responses=...) and an untainted context: asked at temperature 0, and answered
    # from the response cache when the same request was answered within this many seconds.
    cache_seconds: int | None = None


class LlmResponse(InternalModel):
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    model: str
    usage: Usage
    latency_ms: float = 0.0
    # Set by the workflow: route entries that failed before this one answered.
    model_switches: list[str] = Field(default_factory=list)
    cached: bool = False  # from the response cache, not from the provider
    # Tool calls whose arguments break their tool's schema: the call's index -> the errors, in
    # one line the model can correct (checked where the schemas are, in the activity).
    invalid_arguments: dict[int, str] = Field(default_factory=dict)
