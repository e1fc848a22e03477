"""An agent consulting another as a tool: the consulted agent runs as a child workflow of the
caller, under the same goal, with half of what is left of the caller's lease; what it spends
is the caller's, its effects are the caller's to undo, and its answer is the tool's result.
It consults nobody itself, so consultations cannot loop. Workflow code: deterministic."""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from relay.agents.carry import AgentCarry
    from relay.agents.delegation import ConsultedAgent
    from relay.agents.llm_models import ToolCall
    from relay.agents.models import AgentResult, AgentTask, Lease
    from relay.agents.notices import Consulting
    from relay.agents.tool_models import ToolObservation

from relay.workflows.parent_notices import tell_parent


def half_left(lease: Lease, state: AgentCarry) -> Lease:
    """Half of what the caller has left: its turns, tokens and money; the same deadline."""
    tokens = state.usage.input_tokens + state.usage.output_tokens
    return lease.model_copy(
        update={
            "max_steps": max(1, (lease.max_steps - state.steps) // 2),
            "max_tokens": None
            if lease.max_tokens is None
            else max(lease.max_tokens - tokens, 0) // 2,
            "max_cost_usd": None
            if lease.max_cost_usd is None
            else max(lease.max_cost_usd - (state.usage.cost_usd or 0.0), 0.0) / 2,
            "escalate": False,
        }
    )


async def consult(
    task: AgentTask, state: AgentCarry, agent: ConsultedAgent, call: ToolCall, place: str
) -> tuple[ToolObservation, AgentResult | None]:
    """Run the consulted agent for this call (`place`: the caller's step and call index); the
    observation for the caller's model, and the consulted run's result (None: it failed)."""
    child_id = f"{workflow.info().workflow_id}/{agent.name}-{place}"
    child = task.model_copy(
        update={
            "task_id": f"{task.task_id}.{agent.name}-{place}",
            "agent": agent.name,
            "instruction": call.arguments["request"],
            "instructions": agent.instructions,
            "model": agent.model,
            "tools": agent.tools,
            "tools_digest": agent.tools_digest,
            "upstream": [],
            "lease": half_left(state.lease, state),
            "carry": None,
            "output_schema": agent.output_schema,
            "consults": [],
        }
    )
    await tell_parent(task, "consulting", Consulting(workflow_id=child_id))
    try:
        result = await workflow.execute_child_workflow(
            "AgentWorkflow",
            child,
            id=child_id,
            task_queue=agent.task_queue,
            result_type=AgentResult,
            static_summary=f"{agent.name} consulted by {task.agent}: {child.instruction}"[:200],
        )
    except ChildWorkflowError as err:
        error = f"the {agent.name} agent failed: {err.cause or err}"
        return ToolObservation(tool=call.name, ok=False, error=error), None
    state.usage = state.usage.plus(result.usage)
    state.steps += result.steps
    state.effects += result.effects
    state.evidence |= set(result.evidence)
    answer: dict[str, Any] = {"agent": agent.name, "status": result.status, "answer": result.answer}
    if result.output is not None:
        answer["output"] = result.output
    ok = result.status == "completed"
    error = None if ok else f"the {agent.name} agent ended {result.status}: {result.answer}"
    return ToolObservation(tool=call.name, ok=ok, data=answer, error=error), result
