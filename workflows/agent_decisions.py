"""An agent's side of human decisions: asking one (an approval, a question, more budget) and
waiting for it durably, relay settling what nobody decided in time, and taking a decision that
arrives from outside (checked by the approval book, audited, told to the supervisor).
Workflow code: deterministic."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import (
        ANYONE,
        ApprovalDecision,
        ApprovalRecord,
        DecisionAudit,
        PendingApproval,
        Verdict,
        call_digest,
    )
    from relay.agents.llm_models import ToolCall
    from relay.agents.models import AgentTask
    from relay.agents.tool_models import ToolInfo

from relay.workflows.approval_book import ApprovalBook
from relay.workflows.approval_edits import ApprovalEdits
from relay.workflows.client_input import clipped, read_input
from relay.workflows.parent_notices import lean, tell_decision, tell_parent

QUIET_FLOOD_PATCH = "refusals-past-the-cap-stay-local"  # older runs told each one


class AgentDecisions:
    """`show` refreshes what the Web UI shows of the agent (a decision changes its status)."""

    def __init__(self, show: Callable[[], None]) -> None:
        self.book = ApprovalBook()
        self.edits = ApprovalEdits()
        self.task: AgentTask | None = None  # set when the run starts
        self._show = show

    async def ask(
        self,
        call: ToolCall,
        risk: str | None,
        step: int,
        reason: str,
        question: bool = False,
        editable: tuple[ToolInfo, str] | None = None,
    ) -> ApprovalRecord:
        """Ask for a decision and wait for it. A question (`reason`) is the requester's to
        answer; with `editable` (the tool and the call's ledger key) an approver may approve
        with edited arguments."""
        task = self.task
        assert task is not None
        approval_id = f"{task.task_id}-{call.name}-{step}"
        if editable is not None:
            self.edits.offer(approval_id, editable[0], call, editable[1])
        request = PendingApproval(
            approval_id=approval_id,
            agent=task.agent,
            tool=call.name,
            arguments=call.arguments,
            reason=reason,
            requested_at=workflow.now(),
            workflow_id=workflow.info().workflow_id,
            approvers=[task.requested_by or ANYONE]
            if question
            else task.approval_policy.approvers_for(call.name, risk),
            kind="question" if question else "approval",
            requested_by=task.requested_by,
            expires_at=workflow.now() + timedelta(seconds=task.approval_timeout_seconds),
            run_id=workflow.info().first_execution_run_id,
            nonce=str(workflow.uuid4()),
            call_digest=call_digest(call.name, call.arguments),
        )
        self.book.open(request)
        self._show()
        await tell_parent(task, "requested", request)
        try:
            await workflow.wait_condition(
                lambda: approval_id in self.book.decided,
                timeout=timedelta(seconds=task.approval_timeout_seconds),
                timeout_summary=f"approval {approval_id} expires",
            )
        except TimeoutError:
            waited = f"no decision within {task.approval_timeout_seconds:g}s"
            await self.expire(approval_id, "relay:timeout", waited)
            return self.book.decided[approval_id]
        finally:
            self.edits.withdraw(approval_id)
        record = self.book.decided[approval_id]
        self._show()
        if not lean(task):  # a lean run said so with the decision
            await tell_parent(task, "settled", record)
        return record

    async def expire(self, approval_id: str, approver: str, why: str) -> None:
        """Expire a pending approval: relay decides, and says so in the audit."""
        entry = self.book.settle(
            ApprovalDecision(approval_id=approval_id, approver=approver, reason=why), "expired"
        )
        self._show()
        record = self.book.decided[approval_id]
        await tell_decision(self.task, entry, record)
        if not lean(self.task):
            await tell_parent(self.task, "settled", record)

    async def expire_all(self, approver: str, why: str) -> None:
        for approval_id in list(self.book.pending):
            await self.expire(approval_id, approver, why)

    async def take(self, raw: Any, verdict: Verdict) -> DecisionAudit:
        """A decision from outside: refused and audited (cut short) when it cannot be read,
        else checked and taken by the book."""
        decision = read_input(ApprovalDecision, raw)
        task = self.task
        if isinstance(decision, str):
            entry = self.book.refuse_malformed(clipped(raw), verdict, decision)
        else:
            signed = task is not None and task.signed_decisions
            local = task is None or task.local_activities is not False
            entry = await self.book.take(decision, verdict, signed, self._edit_refusal, local)
        settled = self.book.decided[entry.approval_id] if entry.accepted else None
        # Past the audit's cap a refusal is only counted, here and not at the supervisor: a
        # flood of refused signals costs no notice, no signature and no check each.
        flood = not entry.accepted and self.book.refusals_omitted > 0
        if not (flood and workflow.patched(QUIET_FLOOD_PATCH)):
            await tell_decision(task, entry, settled)
        return entry

    async def _edit_refusal(self, pending: PendingApproval, edited: dict[str, Any]) -> str | None:
        assert self.task is not None
        return await self.edits.refusal(self.task, pending, edited)
