"""A handoff: an agent hands its task over to another with a note, and the run goes on as that
agent (a continue-as-new of the same workflow, so the supervisor still waits on one id) with the
conversation so far, its budget, evidence, effects and decisions. The new agent has its own
instructions and tools and hands over no further, so handoffs cannot ping-pong. Workflow code:
deterministic."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.carry import AgentCarry
    from relay.agents.delegation import ConsultedAgent
    from relay.agents.llm_models import Message
    from relay.agents.models import AgentTask
    from relay.agents.prompts import agent_opening


def handed_over(task: AgentTask, state: AgentCarry, target: ConsultedAgent, note: str) -> AgentTask:
    """The task as `target` takes it over; `state` becomes the conversation it goes on with."""
    taken = task.model_copy(
        update={
            "agent": target.name,
            "instructions": target.instructions,
            "model": target.model,
            "tools": target.tools,
            "tools_digest": target.tools_digest,
            "output_schema": target.output_schema,
            "consults": [],
            "handoffs": [],
            "carry": None,
        }
    )
    state.messages = [
        agent_opening(taken)[0],
        *state.messages[1:],
        Message(
            role="user", content=f"The {task.agent} agent handed this task over to you: {note}"
        ),
    ]
    state.handed_off_from.append(task.agent)
    return taken
