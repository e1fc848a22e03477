"""Approvals with edited arguments: which waiting calls an approver may edit, and whether the
edits can run. Edits are checked like the model's own arguments: the tool's argument schema
first, then its guard (an activity, so a call to another customer's order is refused before it
is approved, not after). Workflow code: deterministic."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import PendingApproval
    from relay.agents.argument_check import ArgumentCheck, ArgumentVerdict
    from relay.agents.llm_models import ToolCall
    from relay.agents.models import AgentTask
    from relay.agents.tool_models import ToolInfo

from relay.workflows.policy import argument_errors
from relay.workflows.tool_call import call_tool


@dataclass
class EditableCall:
    tool: ToolInfo
    call: ToolCall
    key: str  # the call's ledger key; each check of edits gets its own below it
    checks: int = 0


class ApprovalEdits:
    def __init__(self) -> None:
        self._calls: dict[str, EditableCall] = {}

    def offer(self, approval_id: str, tool: ToolInfo, call: ToolCall, key: str) -> None:
        self._calls[approval_id] = EditableCall(tool, call, key)

    def withdraw(self, approval_id: str) -> None:
        self._calls.pop(approval_id, None)

    async def refusal(
        self, task: AgentTask, pending: PendingApproval, edited: dict[str, Any]
    ) -> str | None:
        """Why the approver's edited arguments cannot run; None when they can."""
        waiting = self._calls.get(pending.approval_id)
        if waiting is None:
            return f"{pending.tool} has no arguments an approver can edit"
        invalid = await _schema_errors(task, waiting.tool, edited)
        if invalid is not None:
            return f"edited arguments for {pending.tool}: {invalid}"
        if not waiting.tool.guarded:
            return None
        waiting.checks += 1
        edited_call = waiting.call.model_copy(update={"arguments": edited})
        try:
            checked = await call_tool(
                task, waiting.tool, edited_call, f"{waiting.key}.edit-{waiting.checks}", True
            )
        except ActivityError as err:
            return f"edited arguments for {pending.tool} could not be checked: {err.cause or err}"
        if checked.refused:
            return f"edited arguments for {pending.tool}: {checked.error or 'refused by its guard'}"
        return None


async def _schema_errors(task: AgentTask, tool: ToolInfo, edited: dict[str, Any]) -> str | None:
    """The edits against the tool's schema: here when the task carries it, else where the
    run's schemas are (the worker's tools by digest, or the goal's recorded configuration)."""
    if task.tools_digest is None:  # the task carries its schemas (a run started before)
        return argument_errors(tool, edited)
    try:
        verdict = await workflow.execute_activity(
            "check_tool_arguments",
            ArgumentCheck(tools_digest=task.tools_digest, tool=tool.name, arguments=edited),
            result_type=ArgumentVerdict,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=3),
            summary=f"check edited arguments · {tool.name}",
        )
    except ActivityError as err:
        return f"they could not be checked against its schema: {err.cause or err}"
    return verdict.error
