"""The tools a run started with, read back from its goal's history. A worker that does not
know a run's tools digest (redeployed with tools described otherwise, or one that never
listed an MCP server the run used) finds the schemas where the run recorded them once: the
result of its supervisor's `load_run_config`."""

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from relay.agents.llm_models import ToolSchema
from relay.agents.run_config import RunConfig
from relay.agents.tool_digest import as_schemas, tools_digest

# An agent's parent is its supervisor, or the agent that consulted it (whose parent is one).
MAX_PARENTS = 3
SUPERVISOR = "SupervisorWorkflow"
LOAD_RUN_CONFIG = "load_run_config"


async def recorded_tools(
    client: Client, workflow_id: str, run_id: str, digest: str
) -> list[ToolSchema] | None:
    """The schemas with `digest` in the configuration of the goal the run belongs to; None
    when the goal's history does not have them."""
    for _ in range(MAX_PARENTS + 1):
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        first = await anext(aiter(handle.fetch_history_events(page_size=1)), None)
        if first is None:
            return None
        started = first.workflow_execution_started_event_attributes
        if started.workflow_type.name == SUPERVISOR:
            config = await _run_config(client, [e async for e in handle.fetch_history_events()])
            if config is None:
                return None
            return next(
                (as_schemas(t) for t in config.tools.values() if tools_digest(t) == digest), None
            )
        parent = started.parent_workflow_execution
        if not parent.workflow_id:
            return None
        workflow_id, run_id = parent.workflow_id, parent.run_id
    return None


async def _run_config(client: Client, events: list[HistoryEvent]) -> RunConfig | None:
    scheduled = {
        e.event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == LOAD_RUN_CONFIG
    }
    for event in events:
        completed = event.activity_task_completed_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            and completed.scheduled_event_id in scheduled
        ):
            [config] = await client.data_converter.decode(completed.result.payloads, [RunConfig])
            return config
    return None
