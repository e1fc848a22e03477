"""AgentWorkflow: one specialist's loop of model turns and governed tool calls."""

import asyncio
import contextlib
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import (
        ApprovalDecision,
        ApprovalRecord,
        DecisionAudit,
        DecisionRequest,
        PendingApproval,
        Verdict,
    )
    from relay.agents.carry import AgentCarry
    from relay.agents.conversation_chain import ConversationSender
    from relay.agents.llm_models import LlmRequest, Message, ToolCall
    from relay.agents.models import AgentResult, AgentTask, TurnRecord
    from relay.agents.prompts import agent_opening, tool_output_body
    from relay.agents.tool_digest import tools_digest
    from relay.agents.typed_output import OUTPUT_REASKS, AnswerVerdict

from relay.workflows.agent_decisions import AgentDecisions
from relay.workflows.budget import extended, spent
from relay.workflows.call_governor import CallGovernor, refusal
from relay.workflows.client_input import read_input
from relay.workflows.compensation import compensate, compensation_note
from relay.workflows.context_window import keep_within_window
from relay.workflows.grounding import facts
from relay.workflows.handoff import handed_over
from relay.workflows.history_guard import history_problem
from relay.workflows.loop_breaker import LoopBreaker
from relay.workflows.memory_opening import with_memories
from relay.workflows.model_call import ask_model
from relay.workflows.tool_call import observed
from relay.workflows.typed_answer import check_answer, sent_back, unverified_text
from relay.workflows.ui import RunBoard

MORE_BUDGET = "continue_with_more_budget"  # the "tool" of a budget escalation approval


@workflow.defn(name="AgentWorkflow")
class AgentWorkflow:
    def __init__(self) -> None:
        self._decisions = AgentDecisions(self._show)
        self._calls = CallGovernor(self._decisions)
        self._sender = ConversationSender()  # this run's turns, by reference
        self._task: AgentTask | None = None
        self._s = AgentCarry()  # the working state; carried over by continue-as-new
        self._breaker = LoopBreaker(3)
        self._board = RunBoard("agent")
        self._history_full: str | None = None  # why the run stops itself (history_guard)

    @workflow.run
    async def run(self, task: AgentTask) -> AgentResult:
        self._task = self._decisions.task = task
        if task.carry is not None:  # this run continues a long one (continue-as-new)
            self._s = AgentCarry.model_validate(task.carry)
            self._decisions.book.restore(self._s.decided, self._s.audit, self._s.refusals_omitted)
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
            await self._decisions.expire_all("relay:cancel" if cancelled else "relay:failure", why)
            await compensate(self._s.effects, task.context, task.keep_effects)
            self._show("cancelled" if cancelled else "failed")
            raise
        # A decision being checked when the loop ends is still audited before the result.
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._show(result.status)
        return result.model_copy(
            update={
                "audit": list(self._decisions.book.audit),
                "audit_omitted": self._decisions.book.refusals_omitted,
            }
        )

    async def _continue_as_new(self, task: AgentTask, task_queue: str | None = None) -> None:
        """A long conversation (or a handed-over task, on its agent's `task_queue`) goes on in
        a fresh run with the same workflow id; the parent waits on that id, so it sees one
        agent. No approval is pending between turns."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        carry = self._s.model_copy(
            update={
                "decided": list(self._decisions.book.decided.values()),
                "audit": list(self._decisions.book.audit),
                "refusals_omitted": self._decisions.book.refusals_omitted,
                "runs": self._s.runs + 1,
            }
        )
        workflow.continue_as_new(
            task.model_copy(update={"carry": carry.model_dump(mode="json")}), task_queue=task_queue
        )

    def _show(self, final: str | None = None) -> None:
        pending = len(self._decisions.book.pending)
        status = final or ("waiting_for_approval" if pending else "running")
        self._board.show(status, pending, self._s.usage)
        self._board.publish_pending(list(self._decisions.book.pending.values()))

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
            await self._decisions.expire_all("relay:budget", "the goal's time budget ran out")
            return self._result(
                "budget_exhausted", f"Stopped: the goal's time budget ran out. {self._last_seen()}"
            )
        if not loop.done():  # the history is full: stop, undo what this agent did
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
            await self._decisions.expire_all("relay:history", f"stopped: {self._history_full}")
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
                    return self._result(self._decisions.book.final_status(), reply.content)
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
                    record, observation = refusal(
                        self._s.steps, call, "refused", f"at most {limit} tool calls per model turn"
                    )
                else:
                    place = f"{self._s.steps}.{index}"
                    checked = reply.invalid_arguments.get(index)  # by the activity, by reference
                    record, observation = await self._calls.handle(
                        task, self._s, tools, call, place, checked
                    )
                self._s.records.append(record)
                message, taint = observed(tools.get(call.name), call, observation, self._s.steps)
                self._s.messages.append(message)
                self._s.evidence |= facts(message.content, task.id_pattern)
                self._s.tainted_by = self._s.tainted_by or taint
                loop = self._breaker.after(record.outcome)
                if loop is not None:
                    return self._result("loop_detected", f"Stopped: {loop}. {self._last_seen()}")
            if self._calls.handoff is not None:
                target, note = self._calls.handoff
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
            decision = await self._decisions.ask(
                ask, None, self._s.steps, f"{problem}; approve to continue with as much again"
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

    def _result(self, status: Any, answer: str, output: Any = None) -> AgentResult:
        assert self._task is not None
        decided = list(self._decisions.book.decided.values())
        return self._s.result(self._task, status, answer, decided, workflow.info(), output)

    def _typed_result(self, answer: str, verdict: AnswerVerdict) -> AgentResult:
        if verdict.error is not None:  # still invalid after the re-ask
            return self._result("unverified", unverified_text(answer, verdict.error))
        return self._result(self._decisions.book.final_status(), answer, verdict.output)

    # Decisions are taken loosely (`Model | Any`): a malformed one is refused with a reason
    # naming the field, instead of failing to decode.
    @workflow.signal
    async def approve(self, decision: ApprovalDecision | Any) -> None:
        await self._take(decision, "approved")

    @workflow.signal
    async def reject(self, decision: ApprovalDecision | Any) -> None:
        await self._take(decision, "rejected")

    async def _take(self, raw: Any, verdict: Verdict) -> DecisionAudit:
        """A decision from outside, taken by the decisions; each grows the history, so the run
        checks it has room left (history_guard)."""
        entry = await self._decisions.take(raw, verdict)
        if self._task is not None and self._history_full is None:
            self._history_full = history_problem(self._task.history_limit)
        return entry

    @workflow.update
    async def decide(self, request: DecisionRequest | Any) -> ApprovalRecord:
        decision = read_input(DecisionRequest, request)
        assert not isinstance(decision, str)  # the validator refused it otherwise
        entry = await self._take(decision, "approved" if decision.approve else "rejected")
        if not entry.accepted:
            raise ApplicationError(entry.refusal, type="ApprovalRefused", non_retryable=True)
        return self._decisions.book.decided[decision.approval_id]

    @decide.validator
    def _validate_decide(self, request: DecisionRequest | Any) -> None:
        decision = read_input(DecisionRequest, request)
        why = (
            decision
            if isinstance(decision, str)
            else self._decisions.book.refusal(decision.approval_id)
        )
        if why is not None:
            raise ApplicationError(why, type="ApprovalRefused", non_retryable=True)

    @workflow.query
    def pending_approvals(self) -> list[PendingApproval]:
        return list(self._decisions.book.pending.values())

    @workflow.query
    def turns(self) -> list[TurnRecord]:
        return self._s.turns
