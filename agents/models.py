"""Pydantic models for everything that crosses a workflow, activity or client boundary.

The JSON shapes of GoalRequest and GoalResult are public (other SDKs and the Temporal CLI send
them): add optional fields, never rename. Approval shapes live in agents/approvals.py.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from relay.agents.approvals import ApprovalPolicy, ApprovalRecord, DecisionAudit
from relay.agents.causes import EventCause
from relay.agents.internal import InternalModel
from relay.agents.llm_models import LlmResponse, Usage
from relay.agents.threads import TURNS_SHOWN, ThreadTurn
from relay.agents.tool_models import CompensationRecord, CompletedEffect, ToolInfo

AgentStatus = Literal[
    "completed",
    "budget_exhausted",
    "loop_detected",
    "rejected",
    "failed",
    "skipped",
    "unverified",
]
GoalStatus = Literal["completed", "partial", "rejected", "failed", "budget_exhausted"]


class Budget(BaseModel):
    """Limits for one goal, over all its agents. A field left out takes the worker's default.

    `max_steps` counts LLM turns, the supervisor's own included. With `escalate`, an agent
    whose lease runs out asks a human "continue with more budget?" instead of stopping.
    """

    max_steps: int | None = Field(default=None, ge=1, le=1000)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000_000)
    max_cost_usd: float | None = Field(default=None, gt=0, le=100_000)
    max_seconds: float | None = Field(default=None, gt=0, le=366 * 24 * 3600)
    escalate: bool | None = None

    def over(self, defaults: "Budget") -> "Budget":
        """These limits, with the defaults where this one names none."""
        return defaults.model_copy(update=self.model_dump(exclude_none=True))


class HistoryLimit(BaseModel):
    """Where a run stops itself, below Temporal's own limits (51,200 events, 50 MB), which
    terminate a run with its effects left open: a flood of signals must end a goal cleanly
    (its effects undone), never that way."""

    events: int = Field(default=40_000, ge=100, le=51_200)
    bytes: int = Field(default=40 * 1024 * 1024, ge=100_000, le=50 * 1024 * 1024)


class Lease(BaseModel):
    """The share of a goal's budget an agent may spend; checked before every activity."""

    max_steps: int
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    deadline: datetime | None = None
    escalate: bool = False
    loop_limit: int = 3  # same call, or tool errors, this many times in a row: stop
    max_calls_per_turn: int = 5


CONTEXT_MAX_ENTRIES = 32
ContextKey = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$", min_length=1, max_length=64)
]
ContextValue = Annotated[str, StringConstraints(max_length=1000)]
# The goal's context: what the app knows about it (`customer_id`, `user_id`, ...), shown to the
# planner and the agents and passed to tools. Bounded: it is stored in every run's history.
GoalContext = Annotated[dict[ContextKey, ContextValue], Field(max_length=CONTEXT_MAX_ENTRIES)]


class GoalRequest(BaseModel):
    goal: str  # checked by the workflow: RELAY_MAX_GOAL_BYTES, at most GOAL_HARD_LIMIT
    context: GoalContext = Field(default_factory=dict)
    # Deprecated: use context["customer_id"]; copied there, kept for one release.
    customer_id: str | None = Field(default=None, max_length=1000)
    model: str | None = Field(default=None, max_length=1000)
    budget: Budget | None = None
    # Who asked; they may not approve their own goal's calls.
    requested_by: str | None = Field(default=None, max_length=200)
    # The app the goal was started for, and a digest of its configuration: a worker of
    # another app refuses the goal instead of running it with its own agents and tools.
    app: str | None = Field(default=None, max_length=200)
    app_digest: str | None = Field(default=None, max_length=64)
    # Run the goal as this agent's one task, without routing or planning (an event's
    # subscriber); it must be an agent of the app.
    agent: str | None = Field(default=None, max_length=100)
    cause: EventCause | None = None  # the event the goal reacts to
    # The thread the goal continues (ThreadWorkflow sets both): its id, and its earlier turns,
    # which the planner and the agents see.
    thread: str | None = Field(default=None, max_length=100)
    earlier: list[ThreadTurn] = Field(default_factory=list, max_length=TURNS_SHOWN + 1)

    @model_validator(mode="after")
    def _customer_into_context(self) -> "GoalRequest":
        if self.customer_id and "customer_id" not in self.context:
            self.context = {**self.context, "customer_id": self.customer_id}
        return self


# --- plans, tasks, results -------------------------------------------------------------------


INSTRUCTION_MAX_CHARS = 400


class PlannedTask(BaseModel):
    id: str = Field(min_length=1, max_length=40)
    agent: str
    instruction: str = Field(min_length=1, max_length=INSTRUCTION_MAX_CHARS)
    depends_on: list[str] = Field(default_factory=list, max_length=8)


class Plan(BaseModel):
    # Bounded so a rambling model cannot produce a plan that never ends.
    tasks: list[PlannedTask] = Field(max_length=8)


class UpstreamResult(BaseModel):
    task_id: str
    agent: str
    answer: str


class AgentTask(InternalModel):
    goal_id: str
    task_id: str
    agent: str
    instruction: str
    instructions: str  # the agent's own, from the run's recorded configuration
    context: dict[str, str] = Field(default_factory=dict)  # the goal's
    id_pattern: str  # ids the grounding check looks for
    model: str
    upstream: list[UpstreamResult] = Field(default_factory=list)
    tools: list[ToolInfo]
    # Set: `tools` carry their policy only; the schemas are in the run's configuration.
    tools_digest: str | None = None
    lease: Lease
    approval_timeout_seconds: float = 24 * 3600
    parent_workflow_id: str | None = None
    refused_servers: dict[str, str] = Field(default_factory=dict)  # refused earlier in the run
    approval_policy: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    signed_decisions: bool = False  # decisions must carry a valid signature
    requested_by: str | None = None
    search_attributes: bool = False  # the namespace has relay's; publish status there
    keep_effects: list[str] = Field(default_factory=list)  # not undone if the goal is cancelled
    # The model input's token window (workflows/context_window.py); None: unbounded.
    context_tokens: int | None = None
    lean_bookkeeping: bool = False  # see RunConfig
    history_limit: HistoryLimit = Field(default_factory=HistoryLimit)
    # Set when a long conversation continues as new: an AgentCarry (agents/carry.py) as JSON,
    # validated by the agent (carry.py builds on this module, so it cannot be named here).
    carry: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None  # the agent's typed answer (Agent.output)
    pending_memo: bool = False  # see RunConfig
    # The agents this one consults (agents/consults.py: ConsultedAgent), as JSON: consults.py
    # builds on this module, so it cannot be named here.
    consults: list[dict[str, Any]] = Field(default_factory=list)
    handoffs: list[dict[str, Any]] = Field(default_factory=list)  # likewise, to hand over to
    app: str | None = None  # the goal's app (the events its agents emit are the app's)
    cause: EventCause | None = None  # the goal's (GoalRequest.cause): its agents' events chain on
    earlier: list[ThreadTurn] = Field(default_factory=list)  # the goal's thread's (GoalRequest)
    memory_opening: int = 0  # memories recalled for the opening (RunConfig.memory_opening)
    cache_seconds: int | None = None  # RunConfig.response_cache_seconds
    local_activities: bool | None = None  # RunConfig.local_activities

    @property
    def by_reference(self) -> bool:
        """Built since tools went by reference: its turns go by reference too. Tasks of runs
        started before send whole conversations, as they did."""
        return self.tools_digest is not None


class TurnRecord(BaseModel):
    """One model turn of an agent, for `relay status`: who answered, at what cost, which tools."""

    step: int
    model: str
    usage: Usage
    latency_ms: float
    tools: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, step: int, reply: "LlmResponse") -> "TurnRecord":
        return cls(
            step=step,
            model=reply.model,
            usage=reply.usage,
            latency_ms=reply.latency_ms,
            tools=[c.name for c in reply.tool_calls],
        )


class ToolCallRecord(BaseModel):
    step: int
    tool: str
    arguments: dict[str, Any]
    outcome: Literal["ok", "error", "refused", "invalid", "rejected"]
    detail: str = ""
    replayed: bool = False  # the idempotency ledger answered: the effect happened before


class AgentResult(InternalModel):
    task_id: str
    agent: str
    status: AgentStatus
    answer: str
    steps: int
    usage: Usage = Field(default_factory=Usage)
    models: list[str] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    turns: list[TurnRecord] = Field(default_factory=list)
    runs: int = 1  # more than 1: the conversation continued as new that many times minus one
    approvals: list[ApprovalRecord] = Field(default_factory=list)
    workflow_id: str = ""
    model_switches: list[str] = Field(default_factory=list)
    refused_servers: dict[str, str] = Field(default_factory=dict)  # MCP server -> why
    effects: list[CompletedEffect] = Field(default_factory=list)  # undoable, in order
    audit: list[DecisionAudit] = Field(default_factory=list)
    audit_omitted: int = 0  # the oldest refused decisions past the audit's cap, counted
    # Ids and amounts the agent's tool results and inputs contain (the grounding check's facts).
    evidence: list[str] = Field(default_factory=list)
    output: Any = None  # a typed agent's answer as validated JSON data (Agent.output)
    handed_off_from: list[str] = Field(default_factory=list)  # agents that handed over to it


class TaskReport(BaseModel):
    id: str
    agent: str
    instruction: str
    depends_on: list[str]
    status: AgentStatus
    result: str
    workflow_id: str = ""
    usage: Usage = Field(default_factory=Usage)
    output: Any = None  # the agent's typed answer, when it has one (Agent.output)


class GoalResult(BaseModel):
    status: GoalStatus
    answer: str
    tasks: list[TaskReport]
    approvals: list[ApprovalRecord]
    usage: Usage
    models: list[str] = Field(default_factory=list)
    model_switches: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    compensations: list[CompensationRecord] = Field(default_factory=list)
    # Every decision, refused ones too, as the agents that own the approvals audited them (and
    # the supervisor, for decisions it could not route); past a cap, the oldest refused ones
    # are counted in audit_omitted instead.
    audit: list[DecisionAudit] = Field(default_factory=list)
    audit_omitted: int = 0
    # The goal's typed answer (App.output) as validated JSON data; None when the app has no
    # output model, or the answer did not validate (a warning says why).
    output: Any = None
