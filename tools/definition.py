"""One way to define a tool: a typed argument model, a risk level and the policy around it."""

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from relay.agents.rate_limits import ToolLimits, parse_limit
from relay.agents.tool_models import ApprovalRule, Compensation, Risk, ToolInfo, ToolRetry
from relay.tools.context import ToolContext
from relay.tools.signature_args import (
    ToolDefinitionError,
    arguments_model,
    check_returns,
    keyword_handler,
    split_docstring,
)


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
    # Exception types that are the tool's refusals, like ToolBusinessError: shown to the model
    # at once, never retried.
    business_errors: tuple[type[Exception], ...] = ()
    limits: ToolLimits | None = None  # rate and quota, counted across workers

    @property
    def refusals(self) -> tuple[type[Exception], ...]:
        return (ToolBusinessError, *self.business_errors)

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
            # The workflow checks before asking a human: the guard, and the limits (a call
            # over its rate or quota never reaches a human).
            guarded=self.guard is not None or self.limits is not None,
            rate_wait_seconds=self.limits.wait_seconds if self.limits else 0.0,
            limits=self.limits.words() if self.limits else None,
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
        args: type[BaseModel] | None = None,
        risk: Risk | None = None,
        approval: Approval | None = None,
        timeout_seconds: float = 30.0,
        heartbeat_seconds: float | None = None,
        retry: ToolRetry | None = None,
        idempotent: bool = False,
        compensation: Compensation | None = None,
        untrusted_output: bool = False,
        guard: Guard | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        business_errors: tuple[type[Exception], ...] = (),
        rate: str | None = None,
        quota: str | None = None,
        per: str = "global",
        rate_wait_seconds: float = 0.0,
    ) -> Callable[[Handler], Handler]:
        """Decorator: registers the function under its name (or `name`), its docstring's
        summary (or `description`) as what the model reads. The function is returned unchanged
        (with `relay_tool` set to its name), so an Agent can list it in `tools=[...]`.

        Without `args`, the arguments come from the function's signature: each parameter with
        its type hint (pydantic types, `Annotated[..., Field(...)]`) and default, described by
        the docstring's `Args:` section; a parameter typed `ToolContext` (or named `ctx`)
        gets the call's context. With `args=Model`, the function takes `(args, ctx)`.
        `business_errors` are exception types that are the tool's refusals (like
        ToolBusinessError): the model sees them at once, nothing retries them. A mistake in a
        definition (unknown risk, no description, a signature that cannot take its arguments,
        a result that is not JSON) is a one-line ToolDefinitionError here, at import.

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

        `rate="5/minute"` (per second, minute, hour or day) and `quota="20/day"` limit how often
        the tool runs, counted in relay's store across every worker and host: globally,
        `per="requester"`, or per a context key (`per="customer_id"`). A call over its rate
        waits for its slot (a durable timer) when that is at most `rate_wait_seconds` away;
        otherwise, and over a quota, it is refused with when the next slot is, before any
        effect and before a human is asked.
        """

        def register(handler: Handler) -> Handler:
            tool_name = name or getattr(handler, "__name__", "")
            _check_name(tool_name, self._tools)
            if risk not in RISKS:
                raise ToolDefinitionError(
                    f"tool {tool_name!r}: risk {risk!r} is not one of {', '.join(RISKS)}"
                )
            summary = description or split_docstring(handler.__doc__)[0]
            if not summary.strip():
                raise ToolDefinitionError(
                    f"tool {tool_name!r} has no description: give it a docstring or description="
                )
            check_returns(tool_name, handler)
            if args is None:
                model, context = arguments_model(tool_name, handler)
                call: Handler = keyword_handler(handler, context)
            else:
                model, call = args, handler
                _check_takes_args_and_context(tool_name, handler)
            limits = _limits(tool_name, rate, quota, per, rate_wait_seconds)
            for refusal in business_errors:
                if not (isinstance(refusal, type) and issubclass(refusal, Exception)):
                    raise ToolDefinitionError(
                        f"tool {tool_name!r}: business_errors lists {refusal!r}, not an "
                        "exception type"
                    )
            self._tools[tool_name] = ToolDefinition(
                name=tool_name,
                description=summary.strip(),
                args_model=model,
                handler=call,
                risk=risk,
                approval=approval,
                timeout_seconds=timeout_seconds,
                heartbeat_seconds=heartbeat_seconds,
                retry=retry or ToolRetry(),
                idempotent=idempotent,
                compensation=compensation,
                untrusted_output=untrusted_output,
                guard=guard,
                business_errors=tuple(business_errors),
                limits=limits,
            )
            handler.relay_tool = tool_name  # type: ignore[attr-defined]
            return handler

        return register

    def get(self, name: str) -> ToolDefinition | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)


RISKS: tuple[Risk, ...] = ("read", "write", "irreversible")
PER = re.compile(r"^(global|requester|[a-z][a-z0-9_]{0,39})$")


def _limits(
    tool: str, rate: str | None, quota: str | None, per: str, wait_seconds: float
) -> ToolLimits | None:
    """The tool's limits, or a one-line ToolDefinitionError for a badly written one."""
    if rate is None and quota is None:
        return None
    if not PER.match(per):
        raise ToolDefinitionError(
            f"tool {tool!r}: per={per!r} is not global, requester or a context key"
        )
    try:
        return ToolLimits(
            rate=None if rate is None else parse_limit(rate, "rate"),
            quota=None if quota is None else parse_limit(quota, "quota"),
            per=per,
            wait_seconds=wait_seconds,
        )
    except ValidationError as err:  # a wait out of bounds
        where = ".".join(str(part) for part in err.errors()[0]["loc"])
        message = f"{where}: {err.errors()[0]['msg']}"
        raise ToolDefinitionError(f"tool {tool!r}: {message}") from None
    except ValueError as err:  # a limit not like 5/minute
        raise ToolDefinitionError(f"tool {tool!r}: {err}") from None


def _check_name(name: str, taken: dict[str, ToolDefinition]) -> None:
    if not name.isidentifier():
        raise ToolDefinitionError(f"tool name {name!r} must be a Python identifier")
    if name in taken:
        raise ToolDefinitionError(f"tool {name!r} is defined twice")
    if "__" in name:
        raise ToolDefinitionError(f"tool {name!r}: '__' is reserved for MCP tools (server__tool)")


def _check_takes_args_and_context(name: str, handler: Handler) -> None:
    """A tool with `args=Model` is called `handler(args, ctx)`."""
    try:
        inspect.signature(handler).bind(None, None)
    except TypeError:
        raise ToolDefinitionError(
            f"tool {name!r}: with args=Model the function must take (args, ctx); "
            f"it takes {inspect.signature(handler)}"
        ) from None
