"""Scoring one run of a case: which expectation it broke first, and how well its tool calls
matched. Pure functions of the case and what the run did."""

import re
from typing import Any

from pydantic import BaseModel, Field

from relay.evals.cases import EvalCase, ToolExpectation


class ObservedCall(BaseModel):
    agent: str
    tool: str
    arguments: dict[str, Any]
    outcome: str
    detail: str = ""


class Observed(BaseModel):
    """What a run did, as the harness saw it."""

    status: str  # the goal's status, or `error` / `timeout` when it did not finish
    answer: str = ""
    calls: list[ObservedCall] = Field(default_factory=list)
    approvals_asked: list[str] = Field(default_factory=list)  # tools, in order
    unexpected_approvals: list[str] = Field(default_factory=list)  # asked, not in the case
    check_failure: str | None = None


def value_matches(wanted: Any, actual: Any) -> bool:
    if isinstance(wanted, dict) and len(wanted) == 1 and next(iter(wanted)).startswith("$"):
        [(op, operand)] = wanted.items()
        if op == "$any":
            return True
        if op == "$contains":
            return str(operand).lower() in str(actual).lower()
        if op == "$regex":
            return re.search(operand, str(actual)) is not None
        if not isinstance(actual, int | float) or isinstance(actual, bool):
            return False
        return {
            "$gt": actual > operand,
            "$gte": actual >= operand,
            "$lt": actual < operand,
            "$lte": actual <= operand,
        }[op]
    if isinstance(wanted, int | float) and isinstance(actual, int | float):
        return float(wanted) == float(actual)
    return wanted == actual


def call_matches(expected: ToolExpectation, call: ObservedCall) -> bool:
    return (
        expected.tool == call.tool
        and expected.outcome == call.outcome
        and all(
            name in call.arguments and value_matches(wanted, call.arguments[name])
            for name, wanted in expected.arguments.items()
        )
    )


def _describe(expected: ToolExpectation) -> str:
    args = ", ".join(f"{k}={v}" for k, v in expected.arguments.items())
    return f"{expected.tool}({args}) {expected.outcome}"


def tool_failures(case: EvalCase, calls: list[ObservedCall]) -> tuple[list[str], float]:
    """Broken tool expectations, and the share of expected calls that happened."""
    failures: list[str] = []
    matched = 0
    position = 0
    for expected in case.tools:
        pool = calls[position:] if case.tools_in_order else calls
        hit = next((i for i, call in enumerate(pool) if call_matches(expected, call)), None)
        if hit is None:
            where = " after the previous expected call" if case.tools_in_order and matched else ""
            failures.append(f"expected call {_describe(expected)}{where}; it did not happen")
            continue
        matched += 1
        if case.tools_in_order:
            position += hit + 1
    for forbidden in case.forbidden_tools:
        if any(call_matches(forbidden, call) for call in calls):
            failures.append(f"forbidden call {_describe(forbidden)} happened")
    share = matched / len(case.tools) if case.tools else 1.0
    return failures, share


def failures_of(case: EvalCase, seen: Observed) -> tuple[list[str], float]:
    """Every expectation the run broke, in the order the case states them, and the tool match."""
    failures: list[str] = []
    if seen.status in ("error", "timeout"):
        failures.append(f"the goal did not finish: {seen.status}: {seen.answer[:300]}")
    elif case.status is not None and seen.status != case.status:
        failures.append(f"status {seen.status!r}, expected {case.status!r}")
    answer = seen.answer.lower()
    failures += [
        f"the answer does not state {fact!r}"
        for fact in case.answer_includes
        if fact.lower() not in answer
    ]
    failures += [
        f"the answer states {fact!r}" for fact in case.answer_excludes if fact.lower() in answer
    ]
    broken, share = tool_failures(case, seen.calls)
    failures += broken
    failures += [f"unexpected approval asked for {tool}" for tool in seen.unexpected_approvals]
    asked = list(seen.approvals_asked)
    for expected in case.approvals:
        if expected.tool in asked:
            asked.remove(expected.tool)
        else:
            failures.append(f"expected an approval for {expected.tool}; none was asked")
    if seen.check_failure is not None:
        failures.append(f"check {case.check}: {seen.check_failure}")
    return failures, share
