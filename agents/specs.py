"""An agent as a value: what it is for, its instructions, which tools it may touch, its limits.

Specs travel in a run's recorded configuration (history), so a worker redeployed with new
instructions does not change a run already in flight. Pure data: workflows read it.
"""

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator

from relay.agents.typed_output import output_schema

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def tool_name(tool: str | Callable[..., Any]) -> str:
    """A tool given by name, or as the function a ToolSet registered."""
    if isinstance(tool, str):
        return tool
    name = getattr(tool, "relay_tool", None)
    if not isinstance(name, str):
        raise TypeError(f"{tool!r} is not a relay tool: decorate it with @toolset.tool(...)")
    return name


class SpecError(ValueError):
    """An agent or route written wrong; the message is one line naming the field."""


class Agent(BaseModel):
    """A specialist: `Agent("access", description=..., instructions=..., tools=[reset_password])`.

    `description` (1-500 characters) is what the planner reads to pick agents; `instructions`
    (1-8000) is the agent's own prompt. `tools` are the functions a ToolSet registered (or
    their names); `mcp` grants MCP servers (`time`) or single MCP tools
    (`time__get_current_time`). `max_steps` (1-200, default 20) bounds the agent's model turns.
    `model` is a route of the agent's own that overrides the goal's; `task_queue` runs it on a
    worker pool of its own; `consults` names agents of the app it may call as tools, `handoffs`
    those it may hand its task over to; `listens` and `emits` name event types of the app.
    `output`
    (a pydantic model class) types the agent's final answer: it must validate, or it is sent
    back once with the errors (see `AgentResult.output`). A field out of bounds is a one-line
    SpecError, at definition.
    """

    name: str
    description: str = Field(min_length=1, max_length=500)
    instructions: str = Field(min_length=1, max_length=8000)
    tools: list[str] = Field(default_factory=list)
    max_steps: int = Field(default=20, ge=1, le=200)
    model: str | None = None
    mcp: list[str] = Field(default_factory=list)
    # A worker pool of its own (a GPU pool for a local model, a pool next to a tool's data):
    # the agent's workflow and all its activities run on this task queue.
    task_queue: str | None = Field(default=None, min_length=1, max_length=200)
    # Agents this one may call as tools (`consult_<name>`): each call runs that agent as a child
    # run with a share of this one's budget, and its answer comes back as the tool's result.
    consults: list[str] = Field(default_factory=list, max_length=8)
    # Agents this one may hand its task over to (`handoff_to_<name>`): the run goes on as that
    # agent, with the conversation so far.
    handoffs: list[str] = Field(default_factory=list, max_length=8)
    # Event types (App(events=...)) this agent reacts to, each event with a goal of its own,
    # and those it may emit (a tool `emit_<type>` each).
    listens: list[str] = Field(default_factory=list, max_length=20)
    emits: list[str] = Field(default_factory=list, max_length=20)
    # The JSON schema of `output`, which runs carry (the class stays on the workers).
    output_schema: dict[str, Any] | None = None
    _output: type[BaseModel] | None = PrivateAttr(default=None)

    def __init__(self, name: str | None = None, /, **data: Any) -> None:
        if name is not None:
            data["name"] = name
        what = f"agent {data.get('name')!r}"
        output = data.pop("output", None)
        if output is not None:
            try:
                data["output_schema"] = output_schema(output, what)
            except ValueError as err:
                raise SpecError(str(err)) from None
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise SpecError(one_line(err, what)) from None
        self._output = output

    @property
    def output(self) -> type[BaseModel] | None:
        """The model the agent's final answer must validate against (None: free text)."""
        return self._output

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not NAME.match(name):
            raise ValueError(
                f"agent name {name!r} must be lowercase letters, digits, '-' or '_' "
                "(it becomes part of workflow ids)"
            )
        return name

    @field_validator("tools", mode="before")
    @classmethod
    def _tool_names(cls, tools: Any) -> Any:
        if isinstance(tools, list | tuple):
            return [tool_name(t) for t in tools]
        return tools


class Route(BaseModel):
    """A routing rule: a goal matching `pattern` (a case-insensitive regular expression) makes
    these agents candidates for the plan. Rules run in workflow code: pure and deterministic."""

    pattern: str = Field(min_length=1, max_length=500)
    agents: list[str] = Field(min_length=1)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise SpecError(one_line(err, f"route {data.get('pattern')!r}")) from None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as err:
            raise ValueError(
                f"route pattern {pattern!r} is not a regular expression: {err}"
            ) from None
        return pattern


def route_goal(goal: str, routes: list[Route], agents: list[str]) -> list[str]:
    """Candidate agents for a goal, in the app's order; every agent when no rule matches (or
    the app has none): then the planner chooses among all of them."""
    found = {a for rule in routes if re.search(rule.pattern, goal, re.I) for a in rule.agents}
    return [name for name in agents if name in found] or list(agents)


def one_line(err: ValidationError, what: str) -> str:
    """A validation error as one line: what, the first field and its problem."""
    first = err.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    message = str(first["msg"]).removeprefix("Value error, ")
    more = err.error_count() - 1
    return f"{what}: {where}: {message}" + (f" (and {more} more)" if more else "")
