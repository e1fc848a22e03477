"""One way to define a tool: a typed argument model, a risk level and the policy around it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel

from relay.agents.models import ApprovalRule, Compensation, Risk, ToolInfo, ToolRetry
from relay.tools.context import ToolContext


@dataclass(frozen=True)
class Approval:
    """When a call of a tool waits for a human decision.

    `Approval.always()` every call, `Approval.when("amount", ">", 50)` calls whose arguments
    match, `Approval.never()` none. A tool that names none: `irreversible` tools always wait,
    `read` and `write` tools never do (the approval policy and a tainted context still apply).
    """

    mode: Literal["always", "when", "never"]
    rule: ApprovalRule | None = None

    @classmethod
    def always(cls) -> "Approval":
        return cls("always")

    @classmethod
    def when(cls, argument: str, op: str, value: float | str) -> "Approval":
        return cls(
            "when", ApprovalRule.model_validate({"argument": argument, "op": op, "value": value})
        )

    @classmethod
    def never(cls) -> "Approval":
        return cls("never")


class ToolBusinessError(Exception):
    """A domain outcome the model should see and act on (order not found, window passed).

    It is an observation, not a failure: it is never retried.
    """


class ToolPermanentError(Exception):
    """A failure that retrying cannot fix (a misconfigured upstream, a revoked account).

    The call fails at once with this message. Any other exception is treated as transient and
    retried by Temporal under the tool's retry policy.
    """


Handler = Callable[[Any, ToolContext], Any]
# A guard: why this call may not go ahead (e.g. the data belongs to someone else), or None.
Guard = Callable[[Any, ToolContext], str | None]


@dataclass(frozen=True)
class ToolDefinition:
    name: str
    description: str
    args_model: type[BaseModel]
    handler: Handler
    risk: Risk
    approval: Approval | None = None
    timeout_seconds: float = 30.0
    heartbeat_seconds: float | None = None
    retry: ToolRetry = field(default_factory=ToolRetry)
    idempotent: bool = False  # True when repeating the call cannot change anything
    compensation: Compensation | None = None
    untrusted_output: bool = False  # returns open-world content: it taints the agent's context
    guard: Guard | None = None

    @property
    def needs_ledger(self) -> bool:
        return self.risk != "read" and not self.idempotent

    @property
    def always_approve(self) -> str | None:
        """Why every call waits for a human, or None when arguments decide (or nothing does)."""
        if self.approval is not None and self.approval.mode == "always":
            return f"{self.name} needs a human decision for every call"
        if self.approval is None and self.risk == "irreversible":
            return f"{self.name} is irreversible: a human decides every call"
        return None

    @property
    def approval_rule(self) -> ApprovalRule | None:
        return self.approval.rule if self.approval is not None else None

    def info(self) -> ToolInfo:
        """What a run records of the tool (shared: callers do not change it)."""
        return self._info

    @cached_property
    def _info(self) -> ToolInfo:
        # Made once per tool: every run's `load_run_config` lists every tool, and a JSON
        # schema takes pydantic about half a millisecond to generate.
        return ToolInfo(
            name=self.name,
            description=self.description,
            parameters=self.args_model.model_json_schema(),
            risk=self.risk,
            approval_rule=self.approval_rule,
            always_approve=self.always_approve,
            timeout_seconds=self.timeout_seconds,
            heartbeat_seconds=self.heartbeat_seconds,
            retry=self.retry,
            compensation=self.compensation,
            untrusted_output=self.untrusted_output,
            guarded=self.guard is not None,
        )


class ToolSet:
    """An app's tools by name; lookups go through here, never through an if-chain.

    A set may start from others' tools (a deployment adding its own to an app's).
    """

    def __init__(self, *bases: "ToolSet") -> None:
        self._tools: dict[str, ToolDefinition] = {}
        for base in bases:
            self._tools.update(base._tools)

    def tool(
        self,
        args: type[BaseModel],
        risk: Risk,
        approval: Approval | None = None,
        timeout_seconds: float = 30.0,
        heartbeat_seconds: float | None = None,
        retry: ToolRetry | None = None,
        idempotent: bool = False,
        compensation: Compensation | None = None,
        untrusted_output: bool = False,
        guard: Guard | None = None,
    ) -> Callable[[Handler], Handler]:
        """Decorator: registers the function under its name, its docstring as description.
        The function is returned unchanged (with `relay_tool` set to its name), so an Agent can
        list it in `tools=[...]`.

        `approval` says when a call waits for a human (see Approval; irreversible tools always
        do unless they name their own rule).

        `heartbeat_seconds` is for long tools: the handler calls `ctx.heartbeat()` at least that
        often, and one that falls silent is cut off then rather than at `timeout_seconds`.
        `compensation` names the tool that undoes a completed call when the goal fails later
        (a saga step), e.g. create_return -> cancel_return. `untrusted_output` marks a tool
        whose result is open-world content (customer text, web pages): after it, every write
        of the agent waits for a human. `guard(args, ctx)` returns why a call may not go ahead
        (data of another customer, say) or None: it runs inside the activity before the
        handler, and before a human is asked; a refusal is an observation the model sees.
        """

        def register(handler: Handler) -> Handler:
            name = handler.__name__
            if name in self._tools:
                raise ValueError(f"tool {name!r} is defined twice")
            if "__" in name:
                raise ValueError(f"tool {name!r}: '__' is reserved for MCP tools (server__tool)")
            self._tools[name] = ToolDefinition(
                name=name,
                description=(handler.__doc__ or name).strip(),
                args_model=args,
                handler=handler,
                risk=risk,
                approval=approval,
                timeout_seconds=timeout_seconds,
                heartbeat_seconds=heartbeat_seconds,
                retry=retry or ToolRetry(),
                idempotent=idempotent,
                compensation=compensation,
                untrusted_output=untrusted_output,
                guard=guard,
            )
            handler.relay_tool = name  # type: ignore[attr-defined]
            return handler

        return register

    def get(self, name: str) -> ToolDefinition | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)
