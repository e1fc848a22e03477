"""The tool boundary: a tool's risk, approval rule, retries and compensation as a run records
them (ToolInfo), a call to a tool activity and what it returns, and what the ledger says of a
call whose every attempt failed."""

import operator
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from relay.agents.internal import InternalModel
from relay.agents.llm_models import ToolSchema

Risk = Literal["read", "write", "irreversible"]


class ApprovalRule(BaseModel):
    """`argument op value`, e.g. amount > 50: a call matching it needs a human decision."""

    argument: str
    op: Literal[">", ">=", "<", "<=", "==", "!="]
    value: float | str

    def describe(self) -> str:
        return f"{self.argument} {self.op} {self.value}"

    def reason(self, arguments: dict[str, Any]) -> str | None:
        """Why a call with these arguments needs a human decision; None when it does not.
        Pure, so workflow code may call it."""
        if self.argument not in arguments:
            return None
        value = arguments[self.argument]
        if isinstance(self.value, float) and not isinstance(value, int | float):
            return None
        if _COMPARE[self.op](value, self.value):
            return f"{self.argument}={value} matches the approval rule {self.describe()}"
        return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class ToolRetry(BaseModel):
    """How Temporal retries a tool call that failed transiently. Always bounded."""

    max_attempts: int = Field(default=5, ge=1, le=20)
    initial_interval_seconds: float = Field(default=0.5, gt=0)
    backoff: float = Field(default=2.0, ge=1)
    max_interval_seconds: float = Field(default=30.0, gt=0)


class Compensation(BaseModel):
    """How to undo a completed call: a tool, with arguments taken from the call's result data
    (`arguments_from` maps the compensating tool's argument to a key of that data)."""

    tool: str
    arguments_from: dict[str, str]


class CompletedEffect(BaseModel):
    """A side effect that happened, with the call that would undo it."""

    agent: str
    tool: str
    arguments: dict[str, Any]
    undo_tool: str
    undo_arguments: dict[str, Any]


class CompensationRecord(BaseModel):
    agent: str
    undid: str  # the tool whose effect this undoes
    tool: str
    arguments: dict[str, Any]
    ok: bool
    detail: str = ""
    kept: bool = False  # left in place by the keep policy (RELAY_KEEP_EFFECTS), not undone


class ToolInfo(ToolSchema):
    """A tool as the workflow knows it: schema plus the policy it enforces before calling (an
    agent's task may carry the policy only: see AgentTask.tools_digest)."""

    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    risk: Risk
    approval_rule: ApprovalRule | None = None
    # Set when every call waits for a human, whatever its arguments (e.g. an MCP destructive tool).
    always_approve: str | None = None
    timeout_seconds: float = 30.0
    # Long tools heartbeat; a silent one is cut off after this long instead of the full timeout.
    heartbeat_seconds: float | None = None
    retry: ToolRetry = Field(default_factory=ToolRetry)
    compensation: Compensation | None = None
    source: Literal["relay", "mcp"] = "relay"
    server: str | None = None  # the MCP server the tool comes from
    remote_name: str | None = None  # the tool's name on that server
    description_hash: str | None = None  # of what the server said at discovery (rug-pull check)
    # Returns open-world content (customer text, web pages): it taints the agent's context.
    untrusted_output: bool = False
    # Has a guard (e.g. data ownership) that the workflow runs before asking a human.
    guarded: bool = False
    # relay's own `emit_<type>` tools: the event type a call emits (agents/events.py).
    emits: str | None = None
    # A call over the tool's rate waits this long at most for its slot (a durable timer).
    rate_wait_seconds: float = 0.0
    limits: str | None = None  # its rate and quota in words, for the Web UI's call summary

    def policy_only(self) -> "ToolInfo":
        """The tool without what only a model needs to see (its description and schema)."""
        return self.model_copy(update={"description": "", "parameters": {}})


class ToolRequest(InternalModel):
    agent: str
    tool: str
    arguments: dict[str, Any]
    context: dict[str, str] = Field(default_factory=dict)  # the goal's
    requested_by: str | None = None
    description_hash: str | None = None  # MCP tools: what the run discovered
    check_only: bool = False  # run the tool's guard only: may this call go ahead?
    # The call's ledger key, named by the workflow: its id, its first run (ids can be reused;
    # continue-as-new keeps it) and the call's place in the run. None in older histories.
    ledger_key: str | None = Field(default=None, max_length=1000)
    tainted_by: str | None = Field(default=None, max_length=1000)  # the agent's, at the call


class ToolObservation(InternalModel):
    """What a tool call returns to the agent: data, or a business error the model can act on."""

    tool: str
    ok: bool
    data: Any = None
    error: str | None = None
    replayed: bool = False  # True when the idempotency ledger answered instead of the tool
    abandoned: bool = False  # the ledger's mark of a call relay closed without its effect
    # True when the tool's guard refused the call before any effect (data it may not touch).
    refused: bool = False
    # Set by a call that ran as a local activity, whose history records no input: the call.
    request: ToolRequest | None = None


class ToolOutcome(BaseModel):
    """What the ledger says of a call whose every attempt failed: `done` (its recorded result),
    `not_done` (relay made sure it never will be) or `unknown` (the effect lives outside relay
    and was not recorded)."""

    state: Literal["done", "not_done", "unknown"]
    observation: ToolObservation | None = None
