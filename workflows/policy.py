"""Tool-call policy evaluated in workflow code: argument validation and approval rules.

Pure functions: deterministic on replay.
"""

import operator
from collections.abc import Callable
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from jsonschema import Draft202012Validator

    from agents.models import ApprovalRule, ToolInfo

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def argument_errors(tool: ToolInfo, arguments: dict[str, Any]) -> str | None:
    """All schema violations of a call, in one line the model can correct; None when valid."""
    errors = sorted(
        Draft202012Validator(tool.parameters).iter_errors(arguments), key=lambda e: list(e.path)
    )
    if not errors:
        return None
    return "; ".join(
        f"{'.'.join(str(p) for p in e.path) or 'arguments'}: {e.message}" for e in errors
    )


def approval_reason(tool: ToolInfo, arguments: dict[str, Any]) -> str | None:
    """Why a call needs a human decision, or None when it does not."""
    if tool.always_approve is not None:
        return tool.always_approve
    return _rule_reason(tool.approval_rule, arguments)


def _rule_reason(rule: ApprovalRule | None, arguments: dict[str, Any]) -> str | None:
    if rule is None or rule.argument not in arguments:
        return None
    value = arguments[rule.argument]
    threshold = rule.value
    if isinstance(threshold, float) and not isinstance(value, int | float):
        return None
    if _OPS[rule.op](value, threshold):
        return f"{rule.argument}={value} matches the approval rule {rule.describe()}"
    return None
