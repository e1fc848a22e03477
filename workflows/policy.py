"""Tool-call policy evaluated in workflow code: argument validation and approval rules.

Pure functions: deterministic on replay.
"""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.argument_check import schema_errors
    from relay.agents.tool_models import ToolInfo


def argument_errors(tool: ToolInfo, arguments: dict[str, Any]) -> str | None:
    """All schema violations of a call whose task carries its schema; None when valid."""
    return schema_errors(tool.parameters, arguments)


def approval_reason(tool: ToolInfo, arguments: dict[str, Any]) -> str | None:
    """Why a call needs a human decision, or None when it does not."""
    if tool.always_approve is not None:
        return tool.always_approve
    return tool.approval_rule.reason(arguments) if tool.approval_rule else None
