"""Tool activities: the run's tool catalog, and one governed call of one of relay's own tools.

Least privilege is enforced here, not only in the workflow: the activity refuses a tool the
calling agent may not use, and validates the arguments again. The blocking tool code (SQLite)
runs on a thread that the activity stops waiting for at the tool's timeout, so a hung tool never
holds a worker slot: a write on a thread and a connection of its own, a read on a kept reader
thread with its kept connection (activities/readers.py).
"""

import asyncio
from collections.abc import Sequence
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.activities.cutoff import Beat, CutOff, run_with_cutoff
from relay.activities.failures import failures_that_fit
from relay.activities.faults import kill_if
from relay.activities.ledger_keys import call_key
from relay.activities.mcp_tools import McpToolActivities
from relay.activities.providers.routes import LOCAL_WINDOW_TOKENS
from relay.activities.readers import Readers
from relay.activities.result_store import by_reference
from relay.activities.telemetry import RATE_LIMITED, tool_span
from relay.activities.tool_catalog import ToolCatalog
from relay.agents.delegation import consult_tool, handoff_tool
from relay.agents.events import emit_tool
from relay.agents.questions import ASK_HUMAN, ASK_HUMAN_TOOL
from relay.agents.run_config import RunConfig, RunConfigRequest
from relay.agents.specs import Agent
from relay.agents.tool_models import ToolInfo, ToolObservation, ToolOutcome, ToolRequest
from relay.settings import Settings
from relay.tools.definition import ToolDefinition, ToolPermanentError
from relay.tools.executor import InvalidToolArguments
from relay.tools.runtime import AppRuntime
from relay.tools.stored_results import READ_STORED_RESULT


class ToolActivities:
    def __init__(
        self,
        settings: Settings,
        mcp: McpToolActivities,
        runtime: AppRuntime,
        search_attributes: bool = False,
        serves: Sequence[str] | None = None,
    ) -> None:
        self._settings = settings
        # The schemas model calls name by digest: each run's as recorded, else the app's own.
        self.catalog = ToolCatalog(self._native_catalogs)
        self.search_attributes = search_attributes  # set by the worker once it has checked
        # Set by the worker: it caches workflows, so checks and reads may run locally.
        self.local_activities = False
        self._mcp = mcp
        self._runtime = runtime
        self._app = runtime.app
        database = runtime.database
        self._readers = Readers(database.connect if database is not None else None)
        self._serves = set(serves) if serves is not None else None  # None: every agent

    @activity.defn(name="load_run_config")
    async def load_run_config(self, request: RunConfigRequest) -> RunConfig:
        if request.app is not None and request.app != self._app.name:
            raise ApplicationError(
                f"goal {request.goal_id} was started for app {request.app!r}, but this worker "
                f"serves app {self._app.name!r} on task queue {activity.info().task_queue!r}; "
                f"run it on a worker of {request.app!r} (relay worker --app ...)",
                non_retryable=True,
                type="WrongApp",
            )
        if request.app_digest is not None and request.app_digest != self._app.digest:
            activity.logger.warning(
                "goal %s was started for another version of app %r (digest %s; this worker's "
                "is %s): it runs with this worker's configuration",
                request.goal_id,
                self._app.name,
                request.app_digest,
                self._app.digest,
            )
        agents = list(self._app.agents.values())
        remote = await self._mcp.catalog(agents)
        tools = {
            # Every agent of the app, whichever this worker serves: the run plans with all.
            agent.name: self._native(agent) + remote[agent.name]
            for agent in agents
        }
        # Recorded once here; each agent's tasks name their tools by digest.
        digests = {name: self.catalog.remember(listed) for name, listed in tools.items()}
        return RunConfig(
            tool_digests=digests,
            local_activities=self.local_activities,
            app=self._app.name,
            agents=agents,
            routes=self._app.routes,
            id_pattern=self._app.id_pattern,
            default_model=self._settings.model or self._app.model,
            approval_timeout_seconds=self._settings.approval_timeout_seconds,
            agent_models=self._settings.agent_models,
            tools=tools,
            budget=self._settings.budget,
            loop_limit=self._settings.loop_limit,
            max_calls_per_turn=self._settings.max_calls_per_turn,
            approval_policy=self._settings.approval_policy,
            signed_decisions=self._settings.approval_secret is not None,
            redaction=self._settings.redaction,
            keep_effects=self._settings.keep_effects,
            max_goal_bytes=self._settings.max_goal_bytes,
            search_attributes=self.search_attributes,
            context_tokens=self._settings.context_window_tokens,
            lean_bookkeeping=True,
            history_limit=self._settings.history_limit,
            output_schema=self._app.output_schema,
            pending_memo=True,
            direct_single_agent=True,
            local_context_tokens=LOCAL_WINDOW_TOKENS,
            memory_opening=self._app.memory.opening if self._app.memory else 0,
            response_cache_seconds=self._app.cache_seconds,
        )

    def _native(self, agent: Agent) -> list[ToolInfo]:
        """The agent's own tools and relay's, as a run records them."""
        return (
            [
                ASK_HUMAN_TOOL if name == ASK_HUMAN else self._known(agent.name, name).info()
                for name in agent.tools
            ]
            + [consult_tool(self._app.agents[name]) for name in agent.consults]
            + [handoff_tool(self._app.agents[name]) for name in agent.handoffs]
            + [emit_tool(t, self._app.event_schemas[t]) for t in agent.emits]
            + [self._runtime.read_stored.info()]
        )

    def _native_catalogs(self) -> list[list[ToolInfo]]:
        return [self._native(agent) for agent in self._app.agents.values()]

    @activity.defn(name="tool")
    async def run_tool(self, request: ToolRequest) -> ToolObservation:
        with tool_span(request.tool, request.agent, "relay"), failures_that_fit():
            observation = await self._run(request)
        observation = by_reference(
            observation,
            call_key(request),
            self._runtime.store,
            self._settings.max_tool_result_bytes,
        )
        if isinstance(observation.data, dict) and "rate_limited" in observation.data:
            RATE_LIMITED.add(1, {"tool": request.tool, "limit": observation.data["rate_limited"]})
        if activity.info().is_local:  # its history records no input: the result names the call
            observation = observation.model_copy(update={"request": _named(request)})
        activity.logger.info(
            "%s%s %s%s",
            request.tool,
            " (guard only)" if request.check_only else "",
            "ok"
            if observation.ok
            else "refused"
            if observation.refused
            else "answered with a business error",
            " (ledger replay)" if observation.replayed else "",
            extra={"agent": request.agent, "tool": request.tool},
        )
        return observation

    async def _run(self, request: ToolRequest) -> ToolObservation:
        tool = self._tool(request.agent, request.tool)
        key = call_key(request)
        reads = request.check_only or tool.risk == "read"

        def work(beat: Beat, connection: Any = None) -> ToolObservation:
            return self._runtime.execute(
                tool,
                request.arguments,
                key=key,
                context=request.context,
                requested_by=request.requested_by,
                heartbeat=beat,
                on_committed=lambda: kill_if(f"tool-committed:{tool.name}", self._settings.fault),
                check_only=request.check_only,
                connection=connection,
                agent=request.agent,
                tainted_by=request.tainted_by,
            )

        def read(beat: Beat) -> ToolObservation:
            with self._readers.connection() as connection:
                return work(beat, connection)

        try:
            return await run_with_cutoff(
                read if reads else work,
                name=tool.name,
                timeout_seconds=tool.timeout_seconds,
                heartbeat_seconds=tool.heartbeat_seconds,
                # A local activity has no heartbeat: its worker runs the workflow task too.
                on_beat=_no_beat if activity.info().is_local else activity.heartbeat,
                launch=self._readers.launch if reads else None,
            )
        except InvalidToolArguments as err:
            raise ApplicationError(
                str(err), non_retryable=True, type="InvalidToolArguments"
            ) from err
        except ToolPermanentError as err:
            raise ApplicationError(
                f"{tool.name}: {err}", non_retryable=True, type="ToolFailed"
            ) from err
        except CutOff as err:
            raise ApplicationError(str(err), type="ToolTimedOut") from err

    @activity.defn(name="tool_outcome")
    async def tool_outcome(self, request: ToolRequest) -> ToolOutcome:
        """What the ledger says of a call whose every attempt failed (worker crashes, time
        outs): done, not done, or unknown."""
        tool = self._tool(request.agent, request.tool)
        return await asyncio.to_thread(
            self._runtime.outcome,
            tool,
            request.arguments,
            key=call_key(request),
            context=request.context,
            requested_by=request.requested_by,
        )

    def _tool(self, agent: str, name: str) -> ToolDefinition:
        """A tool this worker runs for the agent."""
        if self._serves is not None and agent not in self._serves:
            raise ApplicationError(
                f"this worker serves agents {sorted(self._serves)}, not {agent!r}",
                non_retryable=True,
                type="ToolNotAllowed",
            )
        return self._known(agent, name)

    def _known(self, agent: str, name: str) -> ToolDefinition:
        if name == READ_STORED_RESULT:
            return self._runtime.read_stored
        spec = self._app.agents.get(agent)
        own = self._runtime.memory_tools.get(name)
        tool = own if own is not None and spec is not None and name in spec.tools else None
        tool = tool or self._app.tool(agent, name)
        if tool is None:
            raise ApplicationError(
                f"agent {agent!r} of app {self._app.name!r} is not allowed to use tool {name!r}",
                non_retryable=True,
                type="ToolNotAllowed",
            )
        return tool


def _no_beat(*_: Any) -> None:
    pass


NAMED = {"agent", "tool", "arguments", "check_only", "ledger_key"}


def _named(request: ToolRequest) -> ToolRequest:
    """What a reader of history needs to know of a call that ran locally."""
    return ToolRequest.model_validate(request.model_dump(include=NAMED))
