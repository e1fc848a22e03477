"""An agent working with others. Agents as tools: an agent that `consults` another calls it as
`consult_<name>(request)`; the consulted agent runs as a child of the caller with a share of
the caller's remaining budget, under the same goal (its approvals reach the supervisor like any
agent's), and its answer is the tool's result. Handoffs: an agent with `handoffs` can hand its
task over with `handoff_to_<name>(note)`; the run goes on as that agent, with the conversation
so far. Pure code."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from relay.agents.questions import ASK_HUMAN
from relay.agents.run_config import RunConfig
from relay.agents.specs import Agent
from relay.agents.tool_models import ToolInfo

CONSULT_PREFIX = "consult_"
HANDOFF_PREFIX = "handoff_to_"


class ConsultArgs(BaseModel):
    request: str = Field(
        min_length=1, max_length=400, description="what you need from that agent, in full"
    )


class HandoffArgs(BaseModel):
    note: str = Field(
        min_length=1,
        max_length=1000,
        description="what the next agent needs to know: what you found, what is left to do",
    )


def consult_tool_name(agent: str) -> str:
    return CONSULT_PREFIX + agent


def handoff_tool_name(agent: str) -> str:
    return HANDOFF_PREFIX + agent


def consult_tool(agent: Agent) -> ToolInfo:
    """The tool through which other agents call `agent`."""
    return ToolInfo(
        name=consult_tool_name(agent.name),
        description=f"Ask the {agent.name} agent, which {agent.description}",
        parameters=ConsultArgs.model_json_schema(),
        risk="read",
    )


def handoff_tool(agent: Agent) -> ToolInfo:
    """The tool through which other agents hand their task over to `agent`."""
    return ToolInfo(
        name=handoff_tool_name(agent.name),
        description=f"Hand this task over to the {agent.name} agent, which {agent.description}. "
        "You stop; it goes on with the conversation so far.",
        parameters=HandoffArgs.model_json_schema(),
        risk="read",
    )


class ConsultedAgent(BaseModel):
    """What an agent needs to run another (consulted, or handed over to), from the run's
    recorded configuration."""

    name: str
    instructions: str
    model: str
    tools: list[ToolInfo]
    tools_digest: str | None = None  # set: its tools go by reference (AgentTask.tools_digest)
    task_queue: str | None = None
    output_schema: dict[str, Any] | None = None


def agent_refs(config: RunConfig, names: list[str], route: str) -> list[dict[str, Any]]:
    """The named agents (those an agent consults, or hands over to), as its task carries
    them (JSON)."""
    specs = {a.name: a for a in config.agents}
    refs = []
    for name in (n for n in names if n in specs):
        tools, digest = config.tools_of(name)
        refs.append(
            ConsultedAgent(
                name=name,
                instructions=specs[name].instructions,
                model=config.route_of(specs[name], route),
                tools=tools,
                tools_digest=digest,
                task_queue=specs[name].task_queue,
                output_schema=specs[name].output_schema,
            ).model_dump(mode="json")
        )
    return refs


def called_agent(
    refs: list[dict[str, Any]], tool: str, tool_name: Callable[[str], str]
) -> ConsultedAgent | None:
    """The agent among `refs` (a task's consults or handoffs) that `tool` calls, if any."""
    for raw in refs:
        agent = ConsultedAgent.model_validate(raw)
        if tool_name(agent.name) == tool:
            return agent
    return None


def runs_as_activity(tool: str) -> bool:
    """Whether a call of `tool` runs as a tool activity; relay's own ask_human, consult_* and
    handoff_to_* are done by the agent's workflow itself."""
    return tool != ASK_HUMAN and not tool.startswith((CONSULT_PREFIX, HANDOFF_PREFIX))
