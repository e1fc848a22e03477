"""One tool call the model asked for, governed: refused (a tool the agent may not use, an MCP
server refused earlier, invalid arguments), handed to relay's own tools (a handoff, a
consultation, a question, an event), put to a human when policy or a tainted context says so
(its guard checked first, so a call it refuses never reaches anyone), run within its rate, and
kept with what would undo it. Workflow code: deterministic."""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from relay.agents.carry import AgentCarry
    from relay.agents.delegation import (
        ConsultedAgent,
        called_agent,
        consult_tool_name,
        handoff_tool_name,
    )
    from relay.agents.llm_models import ToolCall
    from relay.agents.models import AgentTask, ToolCallRecord
    from relay.agents.questions import ASK_HUMAN
    from relay.agents.tool_models import ToolInfo, ToolObservation

from relay.workflows.agent_decisions import AgentDecisions
from relay.workflows.consult import consult
from relay.workflows.emit import emit
from relay.workflows.policy import approval_reason, argument_errors
from relay.workflows.questions import ask_human
from relay.workflows.tool_call import (
    call_key,
    call_tool,
    call_within_rate,
    completed_effect,
    outcome_of_failed,
)


class CallGovernor:
    def __init__(self, decisions: AgentDecisions) -> None:
        self._decisions = decisions
        # Set by a handoff call: the agent the run goes on as, and the note, once the turn ends.
        self.handoff: tuple[ConsultedAgent, str] | None = None

    async def handle(
        self,
        task: AgentTask,
        state: AgentCarry,
        tools: dict[str, ToolInfo],
        call: ToolCall,
        place: str,
        checked: str | None,
    ) -> tuple[ToolCallRecord, ToolObservation]:
        """The call's record and what the model is told of it. `place`: the call's step and
        index in the run; `checked`: the activity's verdict on its arguments (by reference)."""
        step, key = state.steps, call_key(place)
        book = self._decisions.book

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
            return refusal(step, call, outcome, detail)

        tool = tools.get(call.name)
        if tool is None:
            return refused(
                "refused",
                f"tool {call.name!r} is not allowed for agent "
                f"{task.agent!r}; allowed: {sorted(tools)}",
            )
        if tool.server in state.refused_servers:
            return refused(
                "refused",
                f"MCP server {tool.server!r} is refused for the rest of this run: "
                f"{state.refused_servers[tool.server]}",
            )
        invalid = checked if task.by_reference else argument_errors(tool, call.arguments)
        if invalid is not None:
            return refused("invalid", f"invalid arguments for {call.name}: {invalid}")
        target = called_agent(task.handoffs, call.name, handoff_tool_name)
        if target is not None:  # the run goes on as that agent once this turn's calls ran
            self.handoff = (target, call.arguments["note"])
            handed = ToolObservation(tool=call.name, ok=True, data={"handed_over_to": target.name})
            return record("ok", ""), handed
        consulted = called_agent(task.consults, call.name, consult_tool_name)
        if consulted is not None:
            answered, result = await consult(task, state, consulted, call, place)
            if result is not None:  # its decisions are part of this agent's
                book.absorb(result.approvals, result.audit, result.audit_omitted)
            return record("ok" if answered.ok else "error", answered.error or ""), answered
        if call.name == ASK_HUMAN:
            answered = await ask_human(
                state, call, lambda q: self._decisions.ask(call, None, step, q, True)
            )
            outcome = "ok" if answered.ok else "refused" if answered.refused else "rejected"
            return record(outcome, answered.error or ""), answered
        reason = approval_reason(tool, call.arguments)
        if state.tainted_by is not None and tool.risk != "read":
            taint = f"the context is tainted: {state.tainted_by}, so every write needs approval"
            reason = f"{reason}; {taint}" if reason else taint
        if reason is not None:
            if tool.guarded:  # a call its guard refuses never reaches a human
                try:
                    checked = await call_tool(task, tool, call, f"{key}.check", True)
                except ActivityError as err:
                    return refused("error", f"{call.name} could not be checked: {err.cause or err}")
                if checked.refused:
                    book.limited(task.agent, checked, key)
                    return refused("refused", checked.error or "refused by the tool's guard")
            decision = await self._decisions.ask(
                call, tool.risk, step, reason, editable=(tool, key)
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
            observation = await call_within_rate(task, tool, call, key, state.tainted_by)
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "McpToolChanged":
                assert tool.server is not None
                state.refused_servers[tool.server] = cause.message
                return refused("refused", f"{call.name} refused: {cause.message}")
            settled = await outcome_of_failed(task, tool, call, key, err)
            if settled is None:
                return refused("error", f"{call.name} failed: {cause or err}")
            observation = settled
        book.limited(task.agent, observation, key)
        if observation.ok and tool.compensation is not None:
            state.effects.append(
                completed_effect(task.agent, call, tool.compensation, observation.data)
            )
        outcome = "ok" if observation.ok else "refused" if observation.refused else "error"
        return record(outcome, observation.error or "", observation.replayed), observation


def refusal(
    step: int, call: ToolCall, outcome: Any, detail: str
) -> tuple[ToolCallRecord, ToolObservation]:
    """A call that did not run: its record, and the error the model is told."""
    record = ToolCallRecord(
        step=step, tool=call.name, arguments=call.arguments, outcome=outcome, detail=detail
    )
    return record, ToolObservation(tool=call.name, ok=False, error=detail)
