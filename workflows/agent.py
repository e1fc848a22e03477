"""AgentWorkflow: one specialist's loop of model turns and governed tool calls."""

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import (
        ANYONE,
        ApprovalDecision,
        ApprovalRecord,
        DecisionAudit,
        DecisionRequest,
        PendingApproval,
        Verdict,
        call_digest,
    )
    from relay.agents.carry import AgentCarry
    from relay.agents.conversation_chain import ConversationSender
    from relay.agents.delegation import (
        ConsultedAgent,
        called_agent,
        consult_tool_name,
        handoff_tool_name,
    )
    from relay.agents.llm_models import LlmRequest, Message, ToolCall
    from relay.agents.models import (
        AgentResult,
        AgentTask,
        ToolCallRecord,
        ToolInfo,
        ToolObservation,
        TurnRecord,
    )
    from relay.agents.prompts import agent_opening, tool_output_body
    from relay.agents.questions import ASK_HUMAN
    from relay.agents.tool_digest import tools_digest
    from relay.agents.typed_output import OUTPUT_REASKS, AnswerVerdict

from relay.workflows.approval_book import ApprovalBook
from relay.workflows.approval_edits import ApprovalEdits
from relay.workflows.budget import extended, spent
from relay.workflows.client_input import clipped, read_input
from relay.workflows.compensation import compensate, compensation_note
from relay.workflows.consult import consult
from relay.workflows.context_window import keep_within_window
from relay.workflows.emit import emit
from relay.workflows.grounding import facts
from relay.workflows.handoff import handed_over
from relay.workflows.history_guard import history_problem
from relay.workflows.loop_breaker import LoopBreaker
from relay.workflows.memory_opening import with_memories
from relay.workflows.model_call import ask_model
from relay.workflows.parent_notices import lean, tell_decision, tell_parent
from relay.workflows.policy import approval_reason, argument_errors
from relay.workflows.questions import ask_human
from relay.workflows.tool_call import (
    call_key,
    call_tool,
    call_within_rate,
    completed_effect,
    observed,
    outcome_of_failed,
)
from relay.workflows.typed_answer import check_answer, sent_back, unverified_text
from relay.workflows.ui import RunBoard

MORE_BUDGET = "continue_with_more_budget"  # the "tool" of a budget escalation approval
QUIET_FLOOD_PATCH = "refusals-past-the-cap-stay-local"  # older runs told each one


@workflow.defn(name="AgentWorkflow")
class AgentWorkflow:
    def __init__(self) -> None:
        self._book = ApprovalBook()
        self._edits = ApprovalEdits()
        self._handoff: tuple[ConsultedAgent, str] | None = None
        self._sender = ConversationSender()  # this run's turns, by reference
        self._task: AgentTask | None = None
        self._s = AgentCarry()  # the working state; carried over by continue-as-new
        self._breaker = LoopBreaker(3)
        self._board = RunBoard("agent")
        self._history_full: str | None = None  # why the run stops itself (history_guard)

    @workflow.run
    async def run(self, task: AgentTask) -> AgentResult:
        self._task = task
        if task.carry is not None:  # this run continues a long one (continue-as-new)
            self._s = AgentCarry.model_validate(task.carry)
            self._book.restore(self._s.decided, self._s.audit, self._s.refusals_omitted)
        else:
            self._s.refused_servers = dict(task.refused_servers)
            self._s.lease = task.lease
        self._breaker = LoopBreaker(task.lease.loop_limit)
        self._board = RunBoard(task.agent)
        self._board.enable(task.search_attributes, task.lean_bookkeeping, task.pending_memo)
        self._show()
        try:
            result = await self._run_within_deadline(task)
        except (asyncio.CancelledError, ApplicationError) as err:
            # Cancelled, or failed for good: leave nothing half done behind, then end so.
            cancelled = isinstance(err, asyncio.CancelledError)
            why = "the goal was cancelled" if cancelled else f"the agent failed: {err}"
            await self._expire_pending("relay:cancel" if cancelled else "relay:failure", why)
            await compensate(self._s.effects, task.context, task.keep_effects)
            self._show("cancelled" if cancelled else "failed")
            raise
        # A decision being checked when the loop ends is still audited before the result.
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._show(result.status)
        return result.model_copy(
            update={"audit": list(self._book.audit), "audit_omitted": self._book.refusals_omitted}
        )

    async def _continue_as_new(self, task: AgentTask, task_queue: str | None = None) -> None:
        """A long conversation (or a handed-over task, on its agent's `task_queue`) goes on in
        a fresh run with the same workflow id; the parent waits on that id, so it sees one
        agent. No approval is pending between turns."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        carry = self._s.model_copy(
            update={
                "decided": list(self._book.decided.values()),
                "audit": list(self._book.audit),
                "refusals_omitted": self._book.refusals_omitted,
                "runs": self._s.runs + 1,
            }
        )
        workflow.continue_as_new(
            task.model_copy(update={"carry": carry.model_dump(mode="json")}), task_queue=task_queue
        )

    def _show(self, final: str | None = None) -> None:
        pending = len(self._book.pending)
        status = final or ("waiting_for_approval" if pending else "running")
        self._board.show(status, pending, self._s.usage)
        self._board.publish_pending(list(self._book.pending.values()))

    async def _run_within_deadline(self, task: AgentTask) -> AgentResult:
        deadline = task.lease.deadline
        loop = asyncio.ensure_future(self._loop(task))
        remaining = None if deadline is None else (deadline - workflow.now()).total_seconds()
        try:
            # A durable timer: the time budget holds across worker restarts and replays.
            await workflow.wait_condition(
                lambda: loop.done() or self._history_full is not None,
                timeout=None if remaining is None else max(remaining, 0.001),
                timeout_summary="time budget",
            )
        except TimeoutError:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
            await self._expire_pending("relay:budget", "the goal's time budget ran out")
            return self._result(
                "budget_exhausted", f"Stopped: the goal's time budget ran out. {self._last_seen()}"
            )
        if not loop.done():  # the history is full: stop, undo what this agent did
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
            await self._expire_pending("relay:history", f"stopped: {self._history_full}")
            # Undone here, not left to the supervisor, which may itself be stopping.
            undone = await compensate(self._s.effects, task.context, task.keep_effects)
            self._s.effects = []
            note = compensation_note(undone)
            return self._result("failed", f"Stopped: {self._history_full}. {note}".strip())
        return loop.result()

    async def _loop(self, task: AgentTask) -> AgentResult:
        tools = {t.name: t for t in task.tools}
        # Once, not per model call; a task whose tools go by reference names their digest.
        digest = task.tools_digest or (tools_digest(task.tools) if task.tools else None)
        if not self._s.messages:
            self._s.messages, untrusted = await with_memories(task, agent_opening(task))
            if untrusted:
                self._s.tainted_by = "a memory recalled in the opening came from untrusted content"
            self._s.evidence = facts(self._s.messages[1].content, task.id_pattern)
        while True:
            if workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new(task)
            if (stop := await self._check_budget(task)) is not None:
                return stop
            await keep_within_window(self._s, task)
            self._s.steps += 1
            messages, continues = self._turn_messages(task)
            reply = await ask_model(
                task.model,
                LlmRequest(
                    model=task.model,
                    purpose="agent",
                    agent=task.agent,
                    step=self._s.steps,
                    messages=messages,
                    continues=continues,
                    tools=[] if task.tools_digest else list(task.tools),
                    tools_digest=digest,
                    cache_seconds=None if self._s.tainted_by else task.cache_seconds,
                ),
                summary=f"{task.agent} · step {self._s.steps}",
            )
            self._s.usage = self._s.usage.plus(reply.usage)
            self._s.turns.append(TurnRecord.of(self._s.steps, reply))
            self._show()
            self._s.switches += reply.model_switches
            if reply.model not in self._s.models:
                self._s.models.append(reply.model)
            if not reply.tool_calls:
                if task.output_schema is None:
                    return self._result(self._book.final_status(), reply.content)
                verdict = await check_answer(task.agent, reply.content)
                if verdict.error is None or self._s.output_reasks >= OUTPUT_REASKS:
                    return self._typed_result(reply.content, verdict)
                self._s.output_reasks += 1  # sent back with the errors, once
                self._s.messages += sent_back(reply.content, verdict.error)
                continue
            self._s.messages.append(
                Message(role="assistant", content=reply.content, tool_calls=reply.tool_calls)
            )
            for index, call in enumerate(reply.tool_calls):
                if (stop := await self._check_budget(task, before_llm=False)) is not None:
                    return stop
                loop = self._breaker.before(call)
                if loop is not None:
                    return self._result("loop_detected", f"Stopped: {loop}. {self._last_seen()}")
                if index >= self._s.lease.max_calls_per_turn:
                    limit = self._s.lease.max_calls_per_turn
                    record, observation = self._refusal(
                        call, "refused", f"at most {limit} tool calls per model turn"
                    )
                else:
                    place = f"{self._s.steps}.{index}"
                    checked = reply.invalid_arguments.get(index)  # by the activity, by reference
                    record, observation = await self._handle_call(task, tools, call, place, checked)
                self._s.records.append(record)
                message, taint = observed(tools.get(call.name), call, observation, self._s.steps)
                self._s.messages.append(message)
                self._s.evidence |= facts(message.content, task.id_pattern)
                self._s.tainted_by = self._s.tainted_by or taint
                loop = self._breaker.after(record.outcome)
                if loop is not None:
                    return self._result("loop_detected", f"Stopped: {loop}. {self._last_seen()}")
            if self._handoff is not None:
                target, note = self._handoff
                taken = handed_over(task, self._s, target, note)
                await self._continue_as_new(taken, target.task_queue)

    def _turn_messages(self, task: AgentTask) -> tuple[list[Message], str | None]:
        """What a model turn sends: since tools went by reference (the task names their
        digest), only the messages added since the previous turn, continuing its conversation
        by digest; runs started before send the whole conversation every turn, as they did."""
        if not task.by_reference:
            return self._s.messages, None
        return self._sender.next_turn(self._s.messages)

    async def _check_budget(self, task: AgentTask, before_llm: bool = True) -> AgentResult | None:
        """None while the lease has room. When it is spent: stop with `budget_exhausted`, or,
        when the goal allows escalation, ask a human whether to continue with as much again."""
        while True:
            problem = spent(self._s.lease, self._s.usage, self._s.steps, workflow.now(), before_llm)
            if problem is None:
                return None
            if not self._s.lease.escalate or "time budget" in problem:
                return self._result("budget_exhausted", f"Stopped: {problem}. {self._last_seen()}")
            self._s.escalations += 1
            ask = ToolCall(
                id=f"budget-{self._s.escalations}",
                name=MORE_BUDGET,
                arguments={
                    "spent": problem,
                    "steps": self._s.steps,
                    "usage": self._s.usage.model_dump(),
                },
            )
            decision = await self._await_approval(
                task, ask, None, self._s.steps, f"{problem}; approve to continue with as much again"
            )
            if decision.verdict != "approved":
                return self._result(
                    "budget_exhausted",
                    f"Stopped: {problem}, and more budget was {decision.verdict}. "
                    f"{self._last_seen()}",
                )
            self._s.lease = extended(self._s.lease, task.lease)

    def _last_seen(self) -> str:
        last = self._s.messages[-1] if self._s.messages else None
        body = tool_output_body(last.content) if last is not None and last.role == "tool" else ""
        return f"Last observation: {body}" if body else "No tool result yet."

    async def _expire_pending(self, approver: str, why: str) -> None:
        for approval_id in list(self._book.pending):
            await self._settle_by_relay(approval_id, approver, why)

    async def _handle_call(
        self,
        task: AgentTask,
        tools: dict[str, ToolInfo],
        call: ToolCall,
        place: str,
        checked: str | None,
    ) -> tuple[ToolCallRecord, ToolObservation]:
        step, key = self._s.steps, call_key(place)

        def record(outcome: Any, detail: str, replayed: bool = False) -> ToolCallRecord:
            return ToolCallRecord(
                step=step,
                tool=call.name,
                arguments=call.arguments,
                outcome=outcome,
                detail=detail,
                replayed=replayed,
            )

        def refused(outcome: Any, detail: str) -> tuple[ToolCallRecord, ToolObservation]:
            return self._refusal(call, outcome, detail)

        tool = tools.get(call.name)
        if tool is None:
            return refused(
                "refused",
                f"tool {call.name!r} is not allowed for agent "
                f"{task.agent!r}; allowed: {sorted(tools)}",
            )
        if tool.server in self._s.refused_servers:
            return refused(
                "refused",
                f"MCP server {tool.server!r} is refused for the rest of this run: "
                f"{self._s.refused_servers[tool.server]}",
            )
        invalid = checked if task.by_reference else argument_errors(tool, call.arguments)
        if invalid is not None:
            return refused("invalid", f"invalid arguments for {call.name}: {invalid}")
        target = called_agent(task.handoffs, call.name, handoff_tool_name)
        if target is not None:  # the run goes on as that agent once this turn's calls ran
            self._handoff = (target, call.arguments["note"])
            handed = ToolObservation(tool=call.name, ok=True, data={"handed_over_to": target.name})
            return record("ok", ""), handed
        consulted = called_agent(task.consults, call.name, consult_tool_name)
        if consulted is not None:
            answered, result = await consult(task, self._s, consulted, call, place)
            if result is not None:  # its decisions are part of this agent's
                self._book.absorb(result.approvals, result.audit, result.audit_omitted)
            return record("ok" if answered.ok else "error", answered.error or ""), answered
        if call.name == ASK_HUMAN:
            answered = await ask_human(
                self._s, call, lambda q: self._await_approval(task, call, None, step, q, True)
            )
            outcome = "ok" if answered.ok else "refused" if answered.refused else "rejected"
            return record(outcome, answered.error or ""), answered
        reason = approval_reason(tool, call.arguments)
        if self._s.tainted_by is not None and tool.risk != "read":
            taint = f"the context is tainted: {self._s.tainted_by}, so every write needs approval"
            reason = f"{reason}; {taint}" if reason else taint
        if reason is not None:
            if tool.guarded:  # a call its guard refuses never reaches a human
                try:
                    checked = await call_tool(task, tool, call, f"{key}.check", True)
                except ActivityError as err:
                    return refused("error", f"{call.name} could not be checked: {err.cause or err}")
                if checked.refused:
                    self._book.limited(task.agent, checked, key)
                    return refused("refused", checked.error or "refused by the tool's guard")
            decision = await self._await_approval(
                task, call, tool.risk, step, reason, editable=(tool, key)
            )
            if decision.verdict != "approved":
                return refused(
                    "rejected",
                    f"{call.name} was {decision.verdict} by "
                    f"{decision.approver}: {decision.reason or 'no reason'}",
                )
            if decision.edited_arguments is not None:  # checked when the decision was taken
                call = call.model_copy(update={"arguments": decision.edited_arguments})
        if tool.emits is not None:  # relay's own emit tool: an event, not a tool activity
            emitted = await emit(task, tool.emits, call, key)
            outcome = "ok" if emitted.ok else "refused" if emitted.refused else "error"
            return record(outcome, emitted.error or ""), emitted
        try:
            observation = await call_within_rate(task, tool, call, key, self._s.tainted_by)
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "McpToolChanged":
                assert tool.server is not None
                self._s.refused_servers[tool.server] = cause.message
                return refused("refused", f"{call.name} refused: {cause.message}")
            settled = await outcome_of_failed(task, tool, call, key, err)
            if settled is None:
                return refused("error", f"{call.name} failed: {cause or err}")
            observation = settled
        self._book.limited(task.agent, observation, key)
        if observation.ok and tool.compensation is not None:
            self._s.effects.append(
                completed_effect(task.agent, call, tool.compensation, observation.data)
            )
        outcome = "ok" if observation.ok else "refused" if observation.refused else "error"
        return record(outcome, observation.error or "", observation.replayed), observation

    def _refusal(
        self, call: ToolCall, outcome: Any, detail: str
    ) -> tuple[ToolCallRecord, ToolObservation]:
        record = ToolCallRecord(
            step=self._s.steps,
            tool=call.name,
            arguments=call.arguments,
            outcome=outcome,
            detail=detail,
        )
        return record, ToolObservation(tool=call.name, ok=False, error=detail)

    async def _await_approval(
        self,
        task: AgentTask,
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
        approval_id = f"{task.task_id}-{call.name}-{step}"
        if editable is not None:
            self._edits.offer(approval_id, editable[0], call, editable[1])
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
        self._book.open(request)
        self._show()
        await tell_parent(self._task, "requested", request)
        try:
            await workflow.wait_condition(
                lambda: approval_id in self._book.decided,
                timeout=timedelta(seconds=task.approval_timeout_seconds),
                timeout_summary=f"approval {approval_id} expires",
            )
        except TimeoutError:
            waited = f"no decision within {task.approval_timeout_seconds:g}s"
            await self._settle_by_relay(approval_id, "relay:timeout", waited)
            return self._book.decided[approval_id]
        finally:
            self._edits.withdraw(approval_id)
        record = self._book.decided[approval_id]
        self._show()
        if not lean(task):  # a lean run said so with the decision
            await tell_parent(task, "settled", record)
        return record

    async def _settle_by_relay(self, approval_id: str, approver: str, why: str) -> None:
        """Expire a pending approval: relay decides, and says so in the audit."""
        entry = self._book.settle(
            ApprovalDecision(approval_id=approval_id, approver=approver, reason=why), "expired"
        )
        self._show()
        record = self._book.decided[approval_id]
        await tell_decision(self._task, entry, record)
        if not lean(self._task):
            await tell_parent(self._task, "settled", record)

    async def _take(self, raw: Any, verdict: Verdict) -> DecisionAudit:
        """A decision from outside: refused and audited (cut short) when it cannot be read,
        else checked and taken by the book."""
        decision = read_input(ApprovalDecision, raw)
        if isinstance(decision, str):
            entry = self._book.refuse_malformed(clipped(raw), verdict, decision)
        else:
            signed = self._task is not None and self._task.signed_decisions
            local = self._task is None or self._task.local_activities is not False
            entry = await self._book.take(decision, verdict, signed, self._edit_refusal, local)
        settled = self._book.decided[entry.approval_id] if entry.accepted else None
        # Past the audit's cap a refusal is only counted, here and not at the supervisor: a
        # flood of refused signals costs no notice, no signature and no check each.
        flood = not entry.accepted and self._book.refusals_omitted > 0
        if not (flood and workflow.patched(QUIET_FLOOD_PATCH)):
            await tell_decision(self._task, entry, settled)
        if self._task is not None and self._history_full is None:
            self._history_full = history_problem(self._task.history_limit)
        return entry

    async def _edit_refusal(self, pending: PendingApproval, edited: dict[str, Any]) -> str | None:
        assert self._task is not None
        return await self._edits.refusal(self._task, pending, edited)

    def _result(self, status: Any, answer: str, output: Any = None) -> AgentResult:
        assert self._task is not None
        decided = list(self._book.decided.values())
        return self._s.result(self._task, status, answer, decided, workflow.info(), output)

    def _typed_result(self, answer: str, verdict: AnswerVerdict) -> AgentResult:
        if verdict.error is not None:  # still invalid after the re-ask
            return self._result("unverified", unverified_text(answer, verdict.error))
        return self._result(self._book.final_status(), answer, verdict.output)

    # Decisions are taken loosely (`Model | Any`): a malformed one is refused with a reason
    # naming the field, instead of failing to decode.
    @workflow.signal
    async def approve(self, decision: ApprovalDecision | Any) -> None:
        await self._take(decision, "approved")

    @workflow.signal
    async def reject(self, decision: ApprovalDecision | Any) -> None:
        await self._take(decision, "rejected")

    @workflow.update
    async def decide(self, request: DecisionRequest | Any) -> ApprovalRecord:
        decision = read_input(DecisionRequest, request)
        assert not isinstance(decision, str)  # the validator refused it otherwise
        entry = await self._take(decision, "approved" if decision.approve else "rejected")
        if not entry.accepted:
            raise ApplicationError(entry.refusal, type="ApprovalRefused", non_retryable=True)
        return self._book.decided[decision.approval_id]

    @decide.validator
    def _validate_decide(self, request: DecisionRequest | Any) -> None:
        decision = read_input(DecisionRequest, request)
        refusal = (
            decision if isinstance(decision, str) else self._book.refusal(decision.approval_id)
        )
        if refusal is not None:
            raise ApplicationError(refusal, type="ApprovalRefused", non_retryable=True)

    @workflow.query
    def pending_approvals(self) -> list[PendingApproval]:
        return list(self._book.pending.values())

    @workflow.query
    def turns(self) -> list[TurnRecord]:
        return self._s.turns
