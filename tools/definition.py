"""One way to define a tool: a typed argument model, a risk level and the policy around it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from agents.models import ApprovalRule, Compensation, Risk, ToolInfo, ToolRetry
from tools.context import ToolContext


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


@dataclass(frozen=True)
class ToolDefinition:
    name: str
    description: str
    args_model: type[BaseModel]
    handler: Handler
    risk: Risk
    approval_rule: ApprovalRule | None = None
    timeout_seconds: float = 30.0
    heartbeat_seconds: float | None = None
    retry: ToolRetry = field(default_factory=ToolRetry)
    idempotent: bool = False  # True when repeating the call cannot change anything
    compensation: Compensation | None = None
    untrusted_output: bool = False  # returns open-world content: it taints the agent's context

    @property
    def needs_ledger(self) -> bool:
        return self.risk != "read" and not self.idempotent

    def info(self) -> ToolInfo:
        return ToolInfo(
            name=self.name,
            description=self.description,
            parameters=self.args_model.model_json_schema(),
            risk=self.risk,
            approval_rule=self.approval_rule,
            timeout_seconds=self.timeout_seconds,
            heartbeat_seconds=self.heartbeat_seconds,
            retry=self.retry,
            compensation=self.compensation,
            untrusted_output=self.untrusted_output,
        )


class ToolRegistry:
    """Tools by name; lookups go through here, never through an if-chain.

    A registry may start from others' tools (a deployment adding its own to the shop's).
    """

    def __init__(self, *bases: "ToolRegistry") -> None:
        self._tools: dict[str, ToolDefinition] = {}
        for base in bases:
            self._tools.update(base._tools)

    def tool(
        self,
        args: type[BaseModel],
        risk: Risk,
        approval_rule: ApprovalRule | None = None,
        timeout_seconds: float = 30.0,
        heartbeat_seconds: float | None = None,
        retry: ToolRetry | None = None,
        idempotent: bool = False,
        compensation: Compensation | None = None,
        untrusted_output: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator: registers the function under its name, its docstring as description.

        `heartbeat_seconds` is for long tools: the handler calls `ctx.heartbeat()` at least that
        often, and one that falls silent is cut off then rather than at `timeout_seconds`.
        `compensation` names the tool that undoes a completed call when the goal fails later
        (a saga step), e.g. create_return -> cancel_return. `untrusted_output` marks a tool
        whose result is open-world content (customer text, web pages): after it, every write
        of the agent waits for a human.
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
                approval_rule=approval_rule,
                timeout_seconds=timeout_seconds,
                heartbeat_seconds=heartbeat_seconds,
                retry=retry or ToolRetry(),
                idempotent=idempotent,
                compensation=compensation,
                untrusted_output=untrusted_output,
            )
            return handler

        return register

    def get(self, name: str) -> ToolDefinition | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)
