"""AgentWorkflow: one specialist's loop of model turns and governed tool calls."""

import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from agents.models import (
        AgentResult,
        AgentTask,
        ApprovalDecision,
        ApprovalRecord,
        DecisionRequest,
        LlmRequest,
        Message,
        PendingApproval,
        ToolCall,
        ToolCallRecord,
        ToolInfo,
        ToolObservation,
        ToolRequest,
        Usage,
    )
    from agents.prompts import task_prompt
    from agents.specs import AGENTS

from workflows.approval_book import ApprovalBook
from workflows.model_call import ask_model
from workflows.policy import approval_reason, argument_errors

TOOL_NON_RETRYABLE = [
    "ToolNotAllowed",
    "UnknownTool",
    "InvalidToolArguments",
    "ToolFailed",
    "McpToolChanged",
    "McpProtocolError",
]
TIMEOUT_GRACE_SECONDS = 5.0
WORKER_LIVENESS_SECONDS = 10.0


@workflow.defn(name="AgentWorkflow")
class AgentWorkflow:
    def __init__(self) -> None:
        self._book = ApprovalBook()
        self._task: AgentTask | None = None
        self._switches: list[str] = []
        self._refused_servers: dict[str, str] = {}

    @workflow.run
    async def run(self, task: AgentTask) -> AgentResult:
        self._task = task
        self._refused_servers = dict(task.refused_servers)
        tools = {t.name: t for t in task.tools}
        messages = [
            Message(role="system", content=AGENTS[task.agent].instructions),
            Message(
                role="user", content=task_prompt(task.instruction, task.customer_id, task.upstream)
            ),
        ]
        usage, models, records = Usage(), [], []
        for step in range(1, task.max_steps + 1):
            reply = await ask_model(
                task.model,
                LlmRequest(
                    model=task.model,
                    purpose="agent",
                    agent=task.agent,
                    step=step,
                    messages=messages,
                    tools=list(task.tools),
                ),
                summary=f"llm · {task.agent} · step {step}",
            )
            usage = usage.plus(reply.usage)
            self._switches += reply.model_switches
            if reply.model not in models:
                models.append(reply.model)
            if not reply.tool_calls:
                return self._result(
                    task, self._final_status(), reply.content, step, usage, models, records
                )
            messages.append(
                Message(role="assistant", content=reply.content, tool_calls=reply.tool_calls)
            )
            for call in reply.tool_calls:
                record, observation = await self._handle_call(task, tools, call, step)
                records.append(record)
                messages.append(
                    Message(
                        role="tool",
                        tool_call_id=call.id,
                        name=call.name,
                        content=observation.model_dump_json(
                            include={"tool", "ok", "data", "error"}
                        ),
                    )
                )
        last = messages[-1].content if messages[-1].role == "tool" else ""
        answer = (
            f"Stopped: the budget of {task.max_steps} model turns ran out before a final "
            f"answer. Last observation: {last}"
        )
        return self._result(
            task, "budget_exhausted", answer, task.max_steps, usage, models, records
        )

    async def _handle_call(
        self, task: AgentTask, tools: dict[str, ToolInfo], call: ToolCall, step: int
    ) -> tuple[ToolCallRecord, ToolObservation]:
        def record(outcome: Any, detail: str) -> ToolCallRecord:
            return ToolCallRecord(
                step=step, tool=call.name, arguments=call.arguments, outcome=outcome, detail=detail
            )

        def refused(outcome: Any, detail: str) -> tuple[ToolCallRecord, ToolObservation]:
            return record(outcome, detail), ToolObservation(tool=call.name, ok=False, error=detail)

        tool = tools.get(call.name)
        if tool is None:
            return refused(
                "refused",
                f"tool {call.name!r} is not allowed for agent "
                f"{task.agent!r}; allowed: {sorted(tools)}",
            )
        if tool.server in self._refused_servers:
            return refused(
                "refused",
                f"MCP server {tool.server!r} is refused for the rest of this run: "
                f"{self._refused_servers[tool.server]}",
            )
        invalid = argument_errors(tool, call.arguments)
        if invalid is not None:
            return refused("invalid", f"invalid arguments for {call.name}: {invalid}")
        reason = approval_reason(tool, call.arguments)
        if reason is not None:
            decision = await self._await_approval(task, call, step, reason)
            if decision.verdict != "approved":
                return refused(
                    "rejected",
                    f"{call.name} was {decision.verdict} by "
                    f"{decision.approver}: {decision.reason or 'no reason'}",
                )
        try:
            observation = await self._call_tool(task, tool, call)
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "McpToolChanged":
                assert tool.server is not None
                self._refused_servers[tool.server] = cause.message
                return refused("refused", f"{call.name} refused: {cause.message}")
            return refused("error", f"{call.name} failed: {cause or err}")
        return record("ok" if observation.ok else "error", observation.error or ""), observation

    async def _call_tool(self, task: AgentTask, tool: ToolInfo, call: ToolCall) -> ToolObservation:
        retry = tool.retry
        return await workflow.execute_activity(
            "mcp_tool" if tool.source == "mcp" else "tool",
            ToolRequest(
                agent=task.agent,
                tool=call.name,
                arguments=call.arguments,
                customer_id=task.customer_id,
                description_hash=tool.description_hash,
            ),
            result_type=ToolObservation,
            # The activity cuts a hung tool off at its own timeout with a clear message; the
            # server's timeouts are the backstop for a worker that died meanwhile.
            start_to_close_timeout=timedelta(seconds=tool.timeout_seconds + TIMEOUT_GRACE_SECONDS),
            # relay's tool activity heartbeats while it waits, so a killed worker is noticed
            # here; MCP calls are bounded by their timeout alone.
            heartbeat_timeout=(
                timedelta(seconds=WORKER_LIVENESS_SECONDS) if tool.source == "relay" else None
            ),
            retry_policy=RetryPolicy(
                maximum_attempts=retry.max_attempts,
                initial_interval=timedelta(seconds=retry.initial_interval_seconds),
                backoff_coefficient=retry.backoff,
                maximum_interval=timedelta(seconds=retry.max_interval_seconds),
                non_retryable_error_types=TOOL_NON_RETRYABLE,
            ),
            summary=f"tool · {call.name} · {_headline(call.arguments)}"[:200],
        )

    async def _await_approval(
        self, task: AgentTask, call: ToolCall, step: int, reason: str
    ) -> ApprovalRecord:
        approval_id = f"{task.task_id}-{call.name}-{step}"
        request = PendingApproval(
            approval_id=approval_id,
            agent=task.agent,
            tool=call.name,
            arguments=call.arguments,
            reason=reason,
            requested_at=workflow.now(),
            workflow_id=workflow.info().workflow_id,
        )
        self._book.open(request)
        await self._tell_parent("approval_requested", request)
        try:
            await workflow.wait_condition(
                lambda: approval_id in self._book.decided,
                timeout=timedelta(seconds=task.approval_timeout_seconds),
                timeout_summary=f"approval {approval_id} expires",
            )
        except TimeoutError:
            self._book.settle(
                ApprovalDecision(
                    approval_id=approval_id,
                    approver="relay:timeout",
                    reason=f"no decision within {task.approval_timeout_seconds:g}s",
                ),
                "expired",
                workflow.now(),
            )
        record = self._book.decided[approval_id]
        await self._tell_parent("approval_settled", record)
        return record

    async def _tell_parent(self, signal: str, payload: Any) -> None:
        if self._task is not None and self._task.parent_workflow_id:
            parent = workflow.get_external_workflow_handle(self._task.parent_workflow_id)
            await parent.signal(signal, payload)

    def _final_status(self) -> Any:
        rejected = any(r.verdict != "approved" for r in self._book.decided.values())
        return "rejected" if rejected else "completed"

    def _result(
        self,
        task: AgentTask,
        status: Any,
        answer: str,
        steps: int,
        usage: Usage,
        models: list[str],
        records: list[ToolCallRecord],
    ) -> AgentResult:
        return AgentResult(
            task_id=task.task_id,
            agent=task.agent,
            status=status,
            answer=answer,
            steps=steps,
            usage=usage,
            models=models,
            tool_calls=records,
            approvals=list(self._book.decided.values()),
            workflow_id=workflow.info().workflow_id,
            model_switches=self._switches,
            refused_servers=self._refused_servers,
        )

    @workflow.signal
    def approve(self, decision: ApprovalDecision) -> None:
        self._book.settle(decision, "approved", workflow.now())

    @workflow.signal
    def reject(self, decision: ApprovalDecision) -> None:
        self._book.settle(decision, "rejected", workflow.now())

    @workflow.update
    def decide(self, request: DecisionRequest) -> ApprovalRecord:
        verdict = "approved" if request.approve else "rejected"
        record = self._book.settle(request, verdict, workflow.now())
        if record is None:  # decided by a signal between validation and this handler
            raise ApplicationError(f"approval {request.approval_id!r} was decided meanwhile")
        return record

    @decide.validator
    def _validate_decide(self, request: DecisionRequest) -> None:
        refusal = self._book.refusal(request.approval_id)
        if refusal is not None:
            raise ApplicationError(refusal, type="ApprovalRefused", non_retryable=True)

    @workflow.query
    def pending_approvals(self) -> list[PendingApproval]:
        return list(self._book.pending.values())


def _headline(arguments: dict[str, Any]) -> str:
    """A short, human line for the Web UI: the amount when there is one, else the arguments."""
    if "amount" in arguments:
        return (
            f"${arguments['amount']:.2f}"
            if isinstance(arguments["amount"], int | float)
            else str(arguments["amount"])
        )
    return json.dumps(arguments, sort_keys=True)
