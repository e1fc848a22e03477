"""An agent's question to the goal's requester (`ask_human`): bounded per run, asked as a
pending approval of kind "question" and waited for durably (answered, declined or expired
like any approval). The answer comes back as the tool's result. Workflow code: deterministic."""

from collections.abc import Awaitable, Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import ApprovalRecord
    from relay.agents.carry import AgentCarry
    from relay.agents.llm_models import ToolCall
    from relay.agents.questions import ASK_HUMAN, MAX_QUESTIONS
    from relay.agents.tool_models import ToolObservation


async def ask_human(
    state: AgentCarry, call: ToolCall, wait: Callable[[str], Awaitable[ApprovalRecord]]
) -> ToolObservation:
    """`wait(question)` asks and returns how it was settled."""
    if state.questions >= MAX_QUESTIONS:
        return ToolObservation(
            tool=ASK_HUMAN,
            ok=False,
            refused=True,
            error=f"you asked {MAX_QUESTIONS} questions already: go on with what you know",
        )
    state.questions += 1
    settled = await wait(call.arguments["question"])
    if settled.verdict != "approved":
        return ToolObservation(
            tool=ASK_HUMAN,
            ok=False,
            error=f"no answer: the question was {settled.verdict} by {settled.approver}: "
            f"{settled.reason or 'no reason'}",
        )
    return ToolObservation(
        tool=ASK_HUMAN, ok=True, data={"answer": settled.answer, "answered_by": settled.approver}
    )
