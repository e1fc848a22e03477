"""Stops an agent that goes round in circles. Pure bookkeeping, deterministic."""

import json

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import ToolCall

FAILED = ("error", "invalid", "refused", "rejected")


class LoopBreaker:
    """Trips on the same call with the same arguments `limit` times in a row, or on `limit`
    failed tool calls in a row."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._last: str | None = None
        self._repeats = 0
        self._failures = 0

    def before(self, call: ToolCall) -> str | None:
        signature = f"{call.name}({json.dumps(call.arguments, sort_keys=True)})"
        self._repeats = self._repeats + 1 if signature == self._last else 1
        self._last = signature
        if self._repeats >= self._limit:
            return f"the same call {signature} {self._repeats} times in a row (loop breaker)"
        return None

    def after(self, outcome: str) -> str | None:
        self._failures = self._failures + 1 if outcome in FAILED else 0
        if self._failures >= self._limit:
            return f"{self._failures} failed tool calls in a row (loop breaker)"
        return None
