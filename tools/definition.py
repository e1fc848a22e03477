"""One way to define a tool: a typed argument model, a risk level and the policy around it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agents.models import ApprovalRule, Risk, ToolInfo
from tools.context import ToolContext


class ToolBusinessError(Exception):
    """A domain outcome the model should see and act on (order not found, window passed).

    It is an observation, not a failure: it is never retried.
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
    max_attempts: int = 5
    idempotent: bool = False  # True when repeating the call cannot change anything

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
            max_attempts=self.max_attempts,
        )


class ToolRegistry:
    """Tools by name; lookups go through here, never through an if-chain."""

    def __init__(self) -> None:
        self._tools: dict[str, ToolDefinition] = {}

    def tool(
        self,
        args: type[BaseModel],
        risk: Risk,
        approval_rule: ApprovalRule | None = None,
        timeout_seconds: float = 30.0,
        max_attempts: int = 5,
        idempotent: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator: registers the function under its name, its docstring as description."""

        def register(handler: Handler) -> Handler:
            name = handler.__name__
            if name in self._tools:
                raise ValueError(f"tool {name!r} is defined twice")
            self._tools[name] = ToolDefinition(
                name=name,
                description=(handler.__doc__ or name).strip(),
                args_model=args,
                handler=handler,
                risk=risk,
                approval_rule=approval_rule,
                timeout_seconds=timeout_seconds,
                max_attempts=max_attempts,
                idempotent=idempotent,
            )
            return handler

        return register

    def get(self, name: str) -> ToolDefinition | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)
