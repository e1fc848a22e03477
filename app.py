"""An app: a user's domain as one value (agents, tools, routing rules, data), and how the CLI
finds one from `module:attribute`."""

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from relay.agents.chains import ChainBudget
from relay.agents.delegation import consult_tool_name, handoff_tool_name
from relay.agents.events import EVENT_TYPE
from relay.agents.memory import MEMORY_TOOLS, SET_PREFERENCE, Memory
from relay.agents.model_limits import LONGEST_TTL_SECONDS
from relay.agents.questions import ASK_HUMAN
from relay.agents.specs import NAME, Agent, Route, one_line
from relay.agents.typed_output import output_schema
from relay.testing.scripted import Brain
from relay.tools.definition import ToolDefinition, ToolSet
from relay.tools.stored_results import READ_STORED_RESULT

# Ids in answers and tool results that grounding checks (`O-5002`, `INC-2001`, `U-1001`).
DEFAULT_ID_PATTERN = r"\b[A-Z]{1,4}-\d{3,}\b"


class AppError(ValueError):
    """An app that cannot be loaded or does not hold together; the message is one line."""


@dataclass(frozen=True)
class Demo:
    """What `relay demo` runs for this app: a goal (with its context), or an event from
    outside (`event`, its type, and `data`, its payload) whose chain of reactions it follows."""

    goal: str = ""
    context: dict[str, str] = field(default_factory=dict)
    event: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if bool(self.goal) == bool(self.event):
            raise AppError("a Demo runs a goal or an event: give one of them (Demo(goal=...))")


@dataclass(frozen=True)
class Database:
    """The app keeps its data in a database of its own: SQLite (`RELAY_DB` a path, default
    `<data dir>/<app>.db`) or, with `engine="postgresql"`, PostgreSQL (`RELAY_DB` a
    `postgresql://` URL). Tools get a connection as `ctx.db`; write tools run in one transaction
    with their ledger row, so a retried call cannot act twice (on any host, with PostgreSQL).
    `setup` creates the schema (and seed data) once per worker start and relay commits after it
    returns; it must be safe to run again, from many workers at once."""

    setup: Callable[[Any], None] | None = None
    engine: Literal["sqlite", "postgresql"] = "sqlite"


# Agent fields left out of the app's digest while empty: apps without them keep their digest.
OPTIONAL_SPEC_FIELDS = ("consults", "handoffs", "listens", "emits")
OPTIONAL_TOOL_FIELDS = ("rate_wait_seconds", "limits")  # tools without limits keep their digest


class App:
    """Everything relay needs to run a domain:

    `App("helpdesk", agents=[diagnostics, access], tools=tools, routes=[Route(...)])`

    - `routes`: keyword rules narrowing the candidate agents; none: the planner picks from all.
    - `database`: the app's SQLite data (see Database); `resources`: a factory called once per
      worker with the data directory, whose value tools get as `ctx.resources`.
    - `model`: the route runs use when neither the goal nor RELAY_MODEL names one.
    - `scripted`: the behaviour of the bare `scripted` test-double route for this app.
    - `id_pattern`: a regular expression for the ids grounding checks in answers.
    - `demo`: the goal (or the event from outside) `relay demo` runs.
    - `output`: a pydantic model class for the goal's final answer: the synthesis must
      validate against it (sent back once with the errors) and is `GoalResult.output`.
    - `events`: event types (`incident.opened`) and their payload models, which agents emit
      (`Agent(emits=...)`) and react to (`Agent(listens=...)`); `chain_budget`: what one
      chain of them may use (ChainBudget: events, cost; default 20 events, $5).
    - `memory`: long-term memory about a subject the goal's context names (Memory(scope=
      "customer_id")), kept and found by agents that list `remember` / `recall`.
    - `cache_responses`: answer a model request again from relay's store when the same one
      was answered this recently (temperature 0, never while a run's context is tainted).
    """

    def __init__(
        self,
        name: str,
        *,
        agents: Sequence[Agent],
        tools: ToolSet | None = None,
        routes: Sequence[Route] = (),
        database: Database | None = None,
        resources: Callable[[Path], Any] | None = None,
        model: str | None = None,
        scripted: Brain | None = None,
        id_pattern: str = DEFAULT_ID_PATTERN,
        demo: Demo | None = None,
        output: type[BaseModel] | None = None,
        events: Mapping[str, type[BaseModel]] | None = None,
        chain_budget: ChainBudget | None = None,
        memory: Memory | None = None,
        cache_responses: timedelta | None = None,
    ) -> None:
        if not NAME.match(name):
            raise AppError(f"app name {name!r} must be lowercase letters, digits, '-' or '_'")
        self.name = name
        self.agents = {a.name: a for a in agents}
        self.tools = tools or ToolSet()
        self.routes = list(routes)
        self.database = database
        self.resources = resources
        self.model = model
        self.scripted = scripted
        self.id_pattern = id_pattern
        self.demo = demo
        self.output = output
        self.events = dict(events or {})
        self.event_schemas = {t: m.model_json_schema() for t, m in self.events.items()}
        self.chain_budget = chain_budget or ChainBudget()
        self.memory = memory
        self.cache_seconds = _cache_seconds(name, cache_responses)
        self.output_schema: dict[str, Any] | None = None
        if output is not None:
            try:
                self.output_schema = output_schema(output, f"app {name!r}")
            except ValueError as err:
                raise AppError(str(err)) from None
        self._check(agents)

    def _check(self, agents: Sequence[Agent]) -> None:
        if not agents:
            raise AppError(f"app {self.name!r} has no agents")
        if len(self.agents) != len(agents):
            raise AppError(f"app {self.name!r} names an agent twice")
        for own in (READ_STORED_RESULT, ASK_HUMAN, *MEMORY_TOOLS):
            if self.tools.get(own) is not None:
                raise AppError(f"{own!r} is relay's own tool; name yours otherwise")
        relays = {ASK_HUMAN, *(MEMORY_TOOLS if self.memory is not None else ())}
        for agent in agents:
            remembers = [t for t in agent.tools if t in MEMORY_TOOLS]
            if remembers and self.memory is None:
                raise AppError(
                    f"agent {agent.name!r} lists {remembers}: give app {self.name!r} a memory "
                    "(App(memory=Memory(scope=...)))"
                )
            if SET_PREFERENCE in remembers and self.memory and not self.memory.preferences:
                raise AppError(
                    f"agent {agent.name!r} lists {SET_PREFERENCE!r}: name the preferences "
                    "(Memory(preferences=...))"
                )
            unknown = [t for t in agent.tools if t not in relays and self.tools.get(t) is None]
            if unknown:
                raise AppError(
                    f"agent {agent.name!r} of app {self.name!r} lists tools the app's ToolSet "
                    f"does not have: {unknown}"
                )
        for agent in agents:
            for kind, tool_name in (
                ("consults", consult_tool_name),
                ("handoffs", handoff_tool_name),
            ):
                named = getattr(agent, kind)
                unknown = [c for c in named if c not in self.agents or c == agent.name]
                if unknown:
                    raise AppError(
                        f"agent {agent.name!r} {kind} {unknown}: name other agents of app "
                        f"{self.name!r}"
                    )
                taken = [tool_name(c) for c in named if self.tools.get(tool_name(c))]
                if taken:
                    raise AppError(f"tools {taken} clash with agent {agent.name!r}'s {kind}")
        bad = [t for t in self.events if not EVENT_TYPE.match(t)]
        if bad:
            raise AppError(f"event types {bad} are not like incident.opened")
        for agent in agents:
            unknown = [t for t in agent.listens + agent.emits if t not in self.events]
            if unknown:
                raise AppError(
                    f"agent {agent.name!r} names events app {self.name!r} does not declare "
                    f"(App(events=...)): {unknown}"
                )
        demo = self.demo
        if demo is not None and demo.event is not None:
            payload = self.events.get(demo.event)
            if payload is None:
                raise AppError(f"the demo's event {demo.event!r} is not an event of {self.name!r}")
            try:
                payload.model_validate(demo.data)
            except ValidationError as err:
                raise AppError(one_line(err, f"the demo's {demo.event} data")) from None
        for route in self.routes:
            unknown = [a for a in route.agents if a not in self.agents]
            if unknown:
                raise AppError(f"route {route.pattern!r} names unknown agents {unknown}")
        try:
            re.compile(self.id_pattern)
        except re.error as err:
            raise AppError(
                f"id_pattern {self.id_pattern!r} is not a regular expression: {err}"
            ) from None

    @cached_property
    def digest(self) -> str:
        """A digest of the app's configuration (agents, tools, routes), recorded with each goal
        started for it: the Web UI and the audit can tell which version a goal was meant for."""
        tools = [self.tools.get(n) for n in self.tools.names()]
        described = {
            "name": self.name,
            # Without these an agent keeps the digest it had before any of them.
            "agents": [
                a.model_dump(
                    mode="json",
                    exclude={f for f in OPTIONAL_SPEC_FIELDS if not getattr(a, f)},
                )
                for a in self.agents.values()
            ],
            "tools": [
                info.model_dump(
                    mode="json", exclude={f for f in OPTIONAL_TOOL_FIELDS if not getattr(info, f)}
                )
                for info in (t.info() for t in tools if t is not None)
            ],
            "routes": [r.model_dump(mode="json") for r in self.routes],
        }
        if self.output_schema is not None:  # so untyped apps keep the digest they had
            described["output"] = self.output_schema
        if self.event_schemas:
            described["events"] = self.event_schemas
        text = json.dumps(described, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def default_route(self, configured: str | None) -> str:
        """The model route runs take when the goal names none, in words for a status line."""
        return configured or self.model or "none (each goal must name a model)"

    def pool_queue(self, agents: Sequence[str]) -> str | None:
        """The task queue a worker serving only these agents polls: their own pool's, or None
        (the default queue, where supervisors run too). One worker serves one queue."""
        unknown = [a for a in agents if a not in self.agents]
        if unknown:
            raise AppError(f"app {self.name!r} has no agents {unknown}; it has {list(self.agents)}")
        queues = {self.agents[a].task_queue for a in agents}
        if len(queues) > 1:
            named = ", ".join(f"{a}: {self.agents[a].task_queue or 'default'}" for a in agents)
            raise AppError(
                f"these agents are on different task queues ({named}); start one worker per queue"
            )
        return queues.pop() if queues else None

    def output_model(self, agent: str | None) -> type[BaseModel] | None:
        """What an agent's final answer (None: the goal's) must validate against, if typed."""
        if agent is None:
            return self.output
        spec = self.agents.get(agent)
        return spec.output if spec is not None else None

    def tool(self, agent: str, name: str) -> ToolDefinition | None:
        """The tool, when the agent may use it; None otherwise."""
        spec = self.agents.get(agent)
        return self.tools.get(name) if spec is not None and name in spec.tools else None

    def __repr__(self) -> str:
        return f"App({self.name!r}, agents={list(self.agents)})"


def load_app(reference: str) -> App:
    """`package.module:attribute` -> the App it names, or an AppError in one line."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise AppError(f"--app {reference!r}: expected module:attribute, e.g. myapp.main:app")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise AppError(f"--app {reference!r}: cannot import {module_name}: {err}") from None
    app = getattr(module, attribute, None)
    if not isinstance(app, App):
        found = "nothing" if app is None else type(app).__name__
        raise AppError(f"--app {reference!r}: {module_name}.{attribute} is {found}, not an App")
    return app


def _cache_seconds(app: str, ttl: timedelta | None) -> int | None:
    if ttl is None:
        return None
    seconds = int(ttl.total_seconds())
    if not 1 <= seconds <= LONGEST_TTL_SECONDS:
        raise AppError(f"app {app!r}: cache_responses must be between 1 second and 30 days")
    return seconds
