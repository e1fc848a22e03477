"""Evaluation cases: one JSON object per line of a `.jsonl` file next to the app.

    {"id": "refund-over-threshold", "goal": "...", "context": {"customer_id": "C-1001"},
     "status": "completed", "answer_includes": ["R-7001"], "answer_excludes": ["sorry"],
     "tools": [{"tool": "issue_refund", "arguments": {"amount": {"$gt": 50}}}],
     "tools_in_order": true, "forbidden_tools": [{"tool": "cancel_return"}],
     "approvals": [{"tool": "issue_refund", "decision": "approve"}],
     "check": "examples.shop.checks:one_refund", "script": {...}}

`script` holds scripted model replies (relay.testing's format): on a `scripted` route (with or
without a file of its own) the case plays them, so it runs offline and deterministically; on a
real model's route it is ignored. `check` names a function `check(ctx: CheckContext) -> str |
None` (why the case failed, or None); `expected` is data for it.
"""

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from relay.agents.models import GoalStatus
from relay.testing.scripted import Script

CASE_ID = r"^[a-z0-9][a-z0-9._-]{0,79}$"
MATCHERS = {"$gt", "$gte", "$lt", "$lte", "$contains", "$regex", "$any"}
MAX_CASES = 10_000


class CasesError(ValueError):
    """A cases file relay cannot use; the message is one line naming the case and field."""


class Strict(BaseModel):
    """A misspelt field is an error, not an expectation silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ToolExpectation(Strict):
    """A tool call: its name, argument matchers (a value, or one of `$gt`, `$gte`, `$lt`, `$lte`,
    `$contains`, `$regex`, `$any`), and its outcome (`ok` unless said)."""

    tool: str = Field(min_length=1, max_length=200)
    arguments: dict[str, Any] = Field(default_factory=dict)
    outcome: Literal["ok", "error", "refused", "invalid", "rejected"] = "ok"

    @field_validator("arguments")
    @classmethod
    def _known_matchers(cls, arguments: dict[str, Any]) -> dict[str, Any]:
        for name, wanted in arguments.items():
            if isinstance(wanted, dict) and any(k.startswith("$") for k in wanted):
                unknown = set(wanted) - MATCHERS
                if unknown or len(wanted) != 1:
                    raise ValueError(
                        f"argument {name!r}: a matcher is one of {sorted(MATCHERS)}, alone"
                    )
                if "$regex" in wanted:
                    re.compile(wanted["$regex"])
        return arguments


class ApprovalExpectation(Strict):
    """An approval the goal must ask for, and the decision the harness gives it."""

    tool: str = Field(min_length=1, max_length=200)
    decision: Literal["approve", "reject"] = "approve"


class EarlierGoal(Strict):
    """A goal run to the end before the case's own (same worker, same store): what it leaves
    (memories, preferences, data) is the case's starting point; it is not scored, but a goal
    that does not end with its `status` fails the case."""

    goal: str = Field(min_length=1, max_length=32_000)
    context: dict[str, str] | None = None  # the case's, unless given
    approvals: list[ApprovalExpectation] = Field(default_factory=list)
    script: Script | None = None
    status: GoalStatus = "completed"  # how it must end (a rejected approval: `rejected`)


class EvalCase(Strict):
    id: str = Field(pattern=CASE_ID)
    goal: str = Field(min_length=1, max_length=32_000)
    context: dict[str, str] = Field(default_factory=dict)
    requested_by: str | None = Field(default=None, max_length=200)
    tags: list[str] = Field(default_factory=list)
    status: GoalStatus | None = None
    answer_includes: list[str] = Field(default_factory=list)
    answer_excludes: list[str] = Field(default_factory=list)
    tools: list[ToolExpectation] = Field(default_factory=list)
    tools_in_order: bool = False  # the calls happen in this order (others may come between)
    forbidden_tools: list[ToolExpectation] = Field(default_factory=list)
    approvals: list[ApprovalExpectation] = Field(default_factory=list)
    check: str | None = Field(default=None, pattern=r"^[\w.]+:\w+$")  # module:function
    # Data the case's check reads (`ctx.case.expected`): what the app's state must be after.
    expected: dict[str, Any] | None = None
    script: Script | None = None
    timeout_seconds: float = Field(default=120, gt=0, le=3600)
    before: list[EarlierGoal] = Field(default_factory=list, max_length=5)


def load_cases(path: Path) -> list[EvalCase]:
    """Every case of a JSONL file; the first problem is one line: file, line, case and field."""
    try:
        lines = path.read_text().splitlines()
    except OSError as err:
        raise CasesError(f"cannot read {path}: {err.strerror}") from None
    cases: list[EvalCase] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as err:
            raise CasesError(f"{where}: not JSON: {err.msg}") from None
        name = raw.get("id", "?") if isinstance(raw, dict) else "?"
        try:
            cases.append(EvalCase.model_validate(raw))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "case"
            message = first["msg"].removeprefix("Value error, ")
            raise CasesError(f"{where}: case {name!r}: {field}: {message}") from None
    if not cases:
        raise CasesError(f"{path} holds no cases")
    if len(cases) > MAX_CASES:
        raise CasesError(f"{path} holds {len(cases)} cases; at most {MAX_CASES}")
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CasesError(f"{path}: case id {case.id!r} appears twice")
        seen.add(case.id)
    return cases
