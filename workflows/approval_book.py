"""Pending and decided approvals of one workflow. Pure bookkeeping, deterministic."""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from agents.models import ApprovalDecision, ApprovalRecord, PendingApproval, Verdict


class ApprovalBook:
    def __init__(self) -> None:
        self.pending: dict[str, PendingApproval] = {}
        self.decided: dict[str, ApprovalRecord] = {}

    def open(self, request: PendingApproval) -> None:
        self.pending[request.approval_id] = request

    def refusal(self, approval_id: str) -> str | None:
        """Why a decision for this id cannot be taken; None when it can."""
        if approval_id in self.decided:
            verdict = self.decided[approval_id].verdict
            return f"approval {approval_id!r} is already decided ({verdict})"
        if approval_id not in self.pending:
            return f"no pending approval {approval_id!r}"
        return None

    def settle(
        self, decision: ApprovalDecision, verdict: Verdict, now: datetime
    ) -> ApprovalRecord | None:
        """Record the first decision for a pending id; later or unknown ones change nothing."""
        refusal = self.refusal(decision.approval_id)
        if refusal is not None:
            workflow.logger.warning(
                "ignored %s decision by %s: %s", verdict, decision.approver, refusal
            )
            return None
        request = self.pending.pop(decision.approval_id)
        record = ApprovalRecord(
            approval_id=request.approval_id,
            agent=request.agent,
            tool=request.tool,
            arguments=request.arguments,
            verdict=verdict,
            approver=decision.approver,
            reason=decision.reason,
            requested_at=request.requested_at,
            decided_at=now,
        )
        self.decided[record.approval_id] = record
        return record
