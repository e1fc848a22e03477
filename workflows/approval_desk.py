"""The supervisor's side of approvals: its view of what its agents have pending, the routing of
decisions to the agent that owns the approval, and the audit of decisions it could not route.

The agents are the authority. The view is fed only by notices from the supervisor's own
children, and, when decisions are signed (RELAY_APPROVAL_SECRET), only by notices carrying a
valid HMAC made by a worker: a signal an outsider sends cannot add, hide or settle an approval.
The goal's audit is what the agents themselves audited (from their results), plus the
decisions refused here. Workflow code: deterministic.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from relay.agents.approvals import (
        ApprovalDecision,
        ApprovalRecord,
        DecisionAudit,
        PendingApproval,
    )
    from relay.agents.models import AgentResult
    from relay.agents.notices import BODIES, AgentNotice, Consulting, Decided

from relay.workflows.approval_book import keep_audited
from relay.workflows.client_input import clipped, read_input

VERIFY_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=1))


class ApprovalDesk:
    def __init__(self) -> None:
        self.pending: dict[str, PendingApproval] = {}
        self.settled: dict[str, ApprovalRecord] = {}
        self.audit: list[DecisionAudit] = []  # decisions refused here
        self.omitted = 0
        self.outcomes: dict[str, DecisionAudit] = {}  # decision id -> what the agent said
        self.heard: dict[str, list[DecisionAudit]] = {}  # agent workflow id -> audited notices
        self.heard_omitted: dict[str, int] = {}
        self.consulted: set[str] = set()  # agent runs the goal's agents started as tools
        self.signed = False
        # Notices are applied in the order they arrive, even while one waits for its signature
        # check: a settlement must not overtake the request it settles.
        self._in_order = asyncio.Lock()
        self._reading = 0  # notices received and not yet applied

    async def receive(self, raw: Any, children: set[str]) -> bool:
        """Apply a notice from an agent; False (and nothing changes) when it is not one."""
        self._reading += 1
        try:
            async with self._in_order:
                return await self._receive(raw, children)
        finally:
            self._reading -= 1

    async def _receive(self, raw: Any, children: set[str]) -> bool:
        try:
            notice = AgentNotice.model_validate(raw)
            body = BODIES[notice.kind].model_validate_json(notice.body)
        except ValidationError as err:
            return _ignored(f"unreadable notice: {err.errors()[0]['msg']}")
        if notice.sender not in children and notice.sender not in self.consulted:
            return _ignored(f"notice from {notice.sender!r}, which is not an agent of this goal")
        if self.signed and not await _authentic(notice):
            return _ignored(f"notice from {notice.sender!r} without a valid worker signature")
        if isinstance(body, PendingApproval) and body.workflow_id == notice.sender:
            self.pending[body.approval_id] = body
        elif isinstance(body, ApprovalRecord):
            self._settle(body, notice.sender)
        elif isinstance(body, DecisionAudit):
            self._hear(body, notice.sender)
        elif isinstance(body, Decided):
            self._hear(body.audit, notice.sender)
            self._settle(body.record, notice.sender)
        elif isinstance(body, Consulting) and notice.sender in children:
            self.consulted.add(body.workflow_id)
        return True

    def _settle(self, record: ApprovalRecord, sender: str) -> None:
        if self._owned(record.approval_id, sender):
            self.pending.pop(record.approval_id, None)
            self.settled[record.approval_id] = record

    def _hear(self, entry: DecisionAudit, sender: str) -> None:
        dropped = keep_audited(self.heard.setdefault(sender, []), entry)
        self.heard_omitted[sender] = self.heard_omitted.get(sender, 0) + dropped
        if entry.decision_id is not None:
            self.outcomes[entry.decision_id] = entry

    def _owned(self, approval_id: str, sender: str) -> bool:
        pending = self.pending.get(approval_id)
        return pending is not None and pending.workflow_id == sender

    def refusal(self, approval_id: str) -> str | None:
        if approval_id in self.settled:
            return f"approval {approval_id!r} is already decided"
        if approval_id not in self.pending:
            return f"no pending approval {approval_id!r}"
        return None

    def early_refusal(self, approval_id: str) -> str | None:
        """Why a decision can be refused before it is taken in. An id not pending yet is not
        refused while notices are still being read: a query may already have shown the
        approval a notice opens (Temporal answers it from events the workflow has not yet
        completed a task on), and a decision sent on that sight must not be lost."""
        refusal = self.refusal(approval_id)
        if self._reading and approval_id not in self.settled:
            return None
        return refusal

    async def forward(self, signal: str, raw: Any) -> None:
        """Route a decision to the agent that asked; it checks and audits it. A decision that
        is malformed, oversized or for no pending approval is refused and audited here, its
        fields cut short: it is never forwarded or stored whole."""
        verdict = "approved" if signal == "approve" else "rejected"
        decision = read_input(ApprovalDecision, raw)
        if isinstance(decision, str):
            self._refuse(clipped(raw), verdict, decision)
            return
        if self._reading:  # a notice read before this decision came may open its approval
            await workflow.wait_condition(lambda: not self._reading)
        refusal = self.refusal(decision.approval_id)
        if refusal is None:
            child = self.pending[decision.approval_id].workflow_id
            try:
                await workflow.get_external_workflow_handle(child).signal(signal, decision)
                return
            except FailureError as err:  # the agent ended meanwhile
                refusal = f"the agent workflow {child} cannot take it: {err}"
        self._refuse(decision, verdict, refusal)

    def _refuse(self, decision: ApprovalDecision, verdict: Any, refusal: str) -> None:
        workflow.logger.warning(
            "refused %s decision by %s: %s", verdict, decision.approver, refusal
        )
        entry = DecisionAudit(
            approval_id=decision.approval_id,
            verdict=verdict,
            approver=decision.approver,
            reason=decision.reason,
            accepted=False,
            refusal=refusal,
            at=workflow.now(),
            decision_id=decision.decision_id,
        )
        self.omitted += keep_audited(self.audit, entry)
        if decision.decision_id is not None:
            self.outcomes[decision.decision_id] = entry

    def goal_audit(
        self, results: list[AgentResult], children: dict[str, str]
    ) -> tuple[list[DecisionAudit], int]:
        """Every decision, in time order: each finished agent's own audit; for an agent that
        failed, what it reported; and the decisions refused here. Plus the count of refused
        entries dropped past the caps."""
        finished = {r.workflow_id for r in results}
        failed = [child for child in children.values() if child not in finished]
        entries = [e for r in results for e in r.audit] + list(self.audit)
        entries += [e for child in failed for e in self.heard.get(child, [])]
        omitted = self.omitted + sum(r.audit_omitted for r in results)
        omitted += sum(self.heard_omitted.get(child, 0) for child in failed)
        return sorted(entries, key=lambda e: e.at), omitted


def _ignored(why: str) -> bool:
    workflow.logger.warning("ignored a signal: %s", why)
    return False


async def _authentic(notice: AgentNotice) -> bool:
    try:
        return await workflow.execute_activity(
            "verify_notice",
            notice,
            result_type=bool,
            start_to_close_timeout=timedelta(seconds=10),
            summary=f"verify {notice.kind} notice from {notice.sender}"[:200],
            retry_policy=VERIFY_RETRY,
        )
    except ActivityError:  # a check that cannot run never lets a notice in
        return False
