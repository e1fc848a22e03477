"""Agents as tools: an agent that `consults` another calls it as `consult_<name>(request)`.
The consulted agent runs as a child of the caller with a share of the caller's remaining
budget, under the same goal (its approvals reach the supervisor like any agent's), and its
answer is the tool's result. Pure code."""

from typing import Any

from pydantic import BaseModel, Field

from relay.agents.models import ToolInfo
from relay.agents.run_config import RunConfig
from relay.agents.specs import Agent

CONSULT_PREFIX = "consult_"


class ConsultArgs(BaseModel):
    request: str = Field(
        min_length=1, max_length=400, description="what you need from that agent, in full"
    )


def consult_tool_name(agent: str) -> str:
    return CONSULT_PREFIX + agent


def consult_tool(agent: Agent) -> ToolInfo:
    """The tool through which other agents call `agent`."""
    return ToolInfo(
        name=consult_tool_name(agent.name),
        description=f"Ask the {agent.name} agent, which {agent.description}",
        parameters=ConsultArgs.model_json_schema(),
        risk="read",
    )


class ConsultedAgent(BaseModel):
    """What a caller needs to run an agent it consults, from the run's recorded configuration."""

    name: str
    instructions: str
    model: str
    tools: list[ToolInfo]
    task_queue: str | None = None
    output_schema: dict[str, Any] | None = None


def consulted(config: RunConfig, agent: Agent, route: str) -> list[dict[str, Any]]:
    """The agents `agent` consults, as its task carries them (JSON)."""
    specs = {a.name: a for a in config.agents}
    return [
        ConsultedAgent(
            name=name,
            instructions=specs[name].instructions,
            model=config.route_of(specs[name], route),
            tools=config.tools.get(name, []),
            task_queue=specs[name].task_queue,
            output_schema=specs[name].output_schema,
        ).model_dump(mode="json")
        for name in agent.consults
        if name in specs
    ]
