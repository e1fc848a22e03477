"""Pending and decided approvals of one agent, and the audit of every decision it received.

A decision counts only when its approval is pending, its approver is allowed by the policy and
is not the goal's requester, and, when decisions must be signed, its signature is valid and not
expired. Everything else is refused and audited, never silently dropped.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import (
        AUDIT_MAX_REFUSED,
        ApprovalDecision,
        ApprovalRecord,
        DecisionAudit,
        DecisionBinding,
        PendingApproval,
        SignatureCheck,
        SignatureVerdict,
        Verdict,
        authorization_refusal,
    )
    from relay.agents.tool_models import ToolObservation


# Why edited arguments cannot run (the tool's argument model, its guard); None when they can.
EditCheck = Callable[[PendingApproval, dict[str, Any]], Awaitable[str | None]]


def keep_audited(audit: list[DecisionAudit], entry: DecisionAudit) -> int:
    """Append an entry; beyond AUDIT_MAX_REFUSED refused entries the oldest refused ones are
    dropped (a flood of refused decisions must not grow history or a carry without bound).
    Returns how many were dropped."""
    audit.append(entry)
    dropped = 0
    while sum(1 for a in audit if not a.accepted) > AUDIT_MAX_REFUSED:
        audit.remove(next(a for a in audit if not a.accepted))
        dropped += 1
    return dropped


class ApprovalBook:
    def __init__(self) -> None:
        self.pending: dict[str, PendingApproval] = {}
        self.decided: dict[str, ApprovalRecord] = {}
        self.audit: list[DecisionAudit] = []
        self.refusals_omitted = 0  # refused decisions dropped from the audit, counted

    def restore(
        self, decided: list[ApprovalRecord], audit: list[DecisionAudit], omitted: int
    ) -> None:
        """Continue a book from an earlier run of the same agent (continue-as-new)."""
        self.decided = {r.approval_id: r for r in decided}
        self.audit = list(audit)
        self.refusals_omitted = omitted

    def absorb(
        self, decided: list[ApprovalRecord], audit: list[DecisionAudit], omitted: int
    ) -> None:
        """Take in the decisions of an agent this one consulted: they were about its work."""
        self.decided.update((r.approval_id, r) for r in decided)
        for entry in audit:
            self.refusals_omitted += keep_audited(self.audit, entry)
        self.refusals_omitted += omitted

    def open(self, request: PendingApproval) -> None:
        self.pending[request.approval_id] = request
        # Temporal's workflow meter skips replays, so each request counts once.
        workflow.metric_meter().create_counter(
            "relay_approvals_requested", "approvals asked of a human"
        ).add(1, {"agent": request.agent, "tool": request.tool})

    def final_status(self) -> Literal["completed", "rejected"]:
        """An agent that ends with an answer: `rejected` if any decision was not an approval."""
        # A question declined or unanswered is the agent's to handle, not a rejected action.
        decided = [r for r in self.decided.values() if r.kind == "approval"]
        rejected = any(r.verdict != "approved" for r in decided)
        return "rejected" if rejected else "completed"

    def refusal(self, approval_id: str) -> str | None:
        """Why a decision for this id cannot be taken now; None when it can."""
        if approval_id in self.decided:
            verdict = self.decided[approval_id].verdict
            return f"approval {approval_id!r} is already decided ({verdict})"
        if approval_id not in self.pending:
            return f"no pending approval {approval_id!r}"
        return None

    async def take(
        self,
        decision: ApprovalDecision,
        verdict: Verdict,
        signed: bool,
        check_edit: EditCheck,
        local: bool = True,
    ) -> DecisionAudit:
        """Check a decision from outside and settle its approval when it counts. Edited
        arguments count only with an approval, and only when `check_edit` finds no problem."""
        pending = self.pending.get(decision.approval_id)
        refusal = self.refusal(decision.approval_id)
        if refusal is None and pending is not None:
            refusal = authorization_refusal(pending, decision.approver)
        if refusal is None and signed and pending is not None:
            refusal = await _signature_refusal(decision, verdict, pending, local)
        if refusal is None and pending is not None:
            refusal = _answer_refusal(pending, decision, verdict)
        edited = decision.edited_arguments
        if refusal is None and pending is not None and edited is not None:
            if verdict != "approved":
                refusal = "only an approval can edit the arguments"
            else:
                refusal = await check_edit(pending, edited)
        if refusal is None:  # another decision may have landed while the signature was checked
            refusal = self.refusal(decision.approval_id)
        if refusal is not None:
            workflow.logger.warning(
                "refused %s decision by %s: %s", verdict, decision.approver, refusal
            )
            return self._audited(decision, verdict, pending, refusal, signed)
        return self.settle(decision, verdict, signed)

    def settle(
        self, decision: ApprovalDecision, verdict: Verdict, signed: bool = False
    ) -> DecisionAudit:
        """Record the decision for a pending id (callers checked `refusal` first)."""
        request = self.pending.pop(decision.approval_id)
        waited = (workflow.now() - request.requested_at).total_seconds()
        workflow.metric_meter().create_histogram_float(
            "relay_approval_wait", "time an approval waited for its decision", "s"
        ).record(waited, {"agent": request.agent, "tool": request.tool, "verdict": verdict})
        self.decided[request.approval_id] = ApprovalRecord(
            approval_id=request.approval_id,
            agent=request.agent,
            tool=request.tool,
            arguments=request.arguments,
            verdict=verdict,
            approver=decision.approver,
            reason=decision.reason,
            requested_at=request.requested_at,
            decided_at=workflow.now(),
            edited_arguments=decision.edited_arguments,
            answer=decision.answer,
            kind=request.kind,
        )
        return self._audited(decision, verdict, request, None, signed)

    def _audited(
        self,
        decision: ApprovalDecision,
        verdict: Verdict,
        request: PendingApproval | None,
        refusal: str | None,
        signed: bool,
    ) -> DecisionAudit:
        entry = DecisionAudit(
            approval_id=decision.approval_id,
            agent=request.agent if request else "",
            tool=request.tool if request else "",
            verdict=verdict,
            approver=decision.approver,
            reason=decision.reason,
            accepted=refusal is None,
            refusal=refusal,
            signed=signed and refusal is None,
            at=workflow.now(),
            decision_id=decision.decision_id,
            edited_arguments=decision.edited_arguments,
            answer=decision.answer,
        )
        self.refusals_omitted += keep_audited(self.audit, entry)
        return entry

    def limited(self, agent: str, observation: ToolObservation, key: str) -> None:
        """Audit a call its tool's rate or quota refused (before any human was asked): relay
        decided it, as it decides an approval that expires."""
        data = observation.data if isinstance(observation.data, dict) else {}
        if "rate_limited" not in data:
            return
        entry = DecisionAudit(
            approval_id=f"{observation.tool}-{key}",
            agent=agent,
            tool=observation.tool,
            verdict="rejected",
            approver=f"relay:{data['rate_limited']}-limit",
            reason=observation.error,
            accepted=True,
            at=workflow.now(),
        )
        self.refusals_omitted += keep_audited(self.audit, entry)

    def refuse_malformed(
        self, decision: ApprovalDecision, verdict: Verdict, problem: str
    ) -> DecisionAudit:
        """Audit a decision that could not be read (its fields already cut short)."""
        workflow.logger.warning("refused a %s decision: %s", verdict, problem)
        return self._audited(
            decision, verdict, self.pending.get(decision.approval_id), problem, False
        )


def _answer_refusal(
    pending: PendingApproval, decision: ApprovalDecision, verdict: Verdict
) -> str | None:
    """A question is answered with text (or declined); an approval takes no answer."""
    if pending.kind != "question":
        return None if decision.answer is None else "only a question takes an answer"
    if verdict == "approved" and not (decision.answer or "").strip():
        return "an answer needs text"
    return None


async def _signature_refusal(
    decision: ApprovalDecision, verdict: Verdict, pending: PendingApproval, local: bool
) -> str | None:
    if decision.signature is None or decision.expires_at is None:
        return "the decision is not signed (run `relay approve` with RELAY_APPROVAL_SECRET set)"
    if decision.expires_at < workflow.now():
        return f"the signed decision expired at {decision.expires_at.isoformat()}"
    # The secret lives on the workers; the activity's answer is kept in history. A local
    # activity, unless the run's worker keeps no workflow cache (RunConfig.local_activities).
    execute = workflow.execute_local_activity if local else workflow.execute_activity
    try:
        check = await execute(
            "verify_decision",
            SignatureCheck(
                **DecisionBinding.of(pending).model_dump(),
                verdict=verdict,
                approver=decision.approver,
                expires_at=decision.expires_at,
                signature=decision.signature,
                edited_arguments=decision.edited_arguments,
                answer=decision.answer,
            ),
            result_type=SignatureVerdict,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
    except ActivityError as err:  # a failed check never approves anything
        return f"the signature could not be checked: {err.cause or err}"
    return check.refusal
