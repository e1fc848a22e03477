"""Tool activities: the run's tool catalog, and one governed tool call.

Least privilege is enforced here, not only in the workflow: the activity refuses a tool the
calling agent may not use, and validates the arguments again. Tool calls are sync activities
(SQLite blocks) run on the worker's thread pool.
"""

from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from agents.models import RunConfig, RunConfigRequest, ToolObservation, ToolRequest
from agents.specs import AGENTS
from settings import Settings
from tools.definition import ToolDefinition, ToolRegistry
from tools.executor import InvalidToolArguments, execute_tool
from tools.shop import SHOP
from tools.shop_db import ensure_seeded


class ToolActivities:
    def __init__(self, settings: Settings, registry: ToolRegistry = SHOP) -> None:
        self._settings = settings
        self._registry = registry
        self._db_path: Path = settings.db_path
        ensure_seeded(self._db_path)

    @activity.defn(name="load_run_config")
    def load_run_config(self, request: RunConfigRequest) -> RunConfig:
        tools = {
            name: [self._tool(name, tool).info() for tool in AGENTS[name].tools]
            for name in request.agents
            if name in AGENTS
        }
        return RunConfig(
            default_model=self._settings.model,
            approval_timeout_seconds=self._settings.approval_timeout_seconds,
            agent_models=self._settings.agent_models,
            tools=tools,
        )

    @activity.defn(name="tool")
    def run_tool(self, request: ToolRequest) -> ToolObservation:
        tool = self._tool(request.agent, request.tool)
        info = activity.info()
        # The key names the activity, never the attempt: retries and re-deliveries share it.
        key = f"{info.workflow_id}/{info.activity_id}"
        try:
            return execute_tool(
                tool,
                request.arguments,
                db_path=self._db_path,
                idempotency_key=key,
                customer_id=request.customer_id,
                heartbeat=activity.heartbeat,
            )
        except InvalidToolArguments as err:
            raise ApplicationError(
                str(err), non_retryable=True, type="InvalidToolArguments"
            ) from err

    def _tool(self, agent: str, name: str) -> ToolDefinition:
        spec = AGENTS.get(agent)
        if spec is None or name not in spec.tools:
            raise ApplicationError(
                f"agent {agent!r} is not allowed to use tool {name!r}",
                non_retryable=True,
                type="ToolNotAllowed",
            )
        tool = self._registry.get(name)
        if tool is None:
            raise ApplicationError(
                f"no tool named {name!r}", non_retryable=True, type="UnknownTool"
            )
        return tool
