"""Tool-call policy evaluated in workflow code: argument validation and approval rules.

Pure functions: deterministic on replay.
"""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from jsonschema import Draft202012Validator

    from relay.agents.models import ToolInfo


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
    return tool.approval_rule.reason(arguments) if tool.approval_rule else None
