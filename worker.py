"""A relay worker: every workflow and activity on one task queue; config from the environment."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from temporalio.client import Client
from temporalio.worker import Worker

from activities.approvals import ApprovalActivities
from activities.llm import LlmActivities
from activities.mcp_connections import McpConnections
from activities.mcp_tools import McpToolActivities
from activities.tools import ToolActivities
from agents.specs import AGENTS, AgentSpec
from settings import Settings
from temporal.connect import connect_client
from temporal.search_attributes import ensure_registered
from tools.definition import ToolRegistry
from tools.mcp_config import load_mcp_config
from tools.shop import SHOP
from workflows.agent import AgentWorkflow
from workflows.supervisor import SupervisorWorkflow

WORKFLOWS = [SupervisorWorkflow, AgentWorkflow]


@contextlib.asynccontextmanager
async def relay_worker(
    client: Client,
    settings: Settings,
    registry: ToolRegistry = SHOP,
    agents: Mapping[str, AgentSpec] = AGENTS,
    **options: object,
) -> AsyncIterator[Worker]:
    """The worker relay runs, with the MCP sessions it opens closed when it stops.

    Tests pass `max_cached_workflows=0` to replay every step, and may add tools and agents.
    """
    unregistered = await ensure_registered(client)
    if unregistered is not None:
        logging.getLogger("relay.worker").warning("runs will not be searchable: %s", unregistered)
    connections = McpConnections(load_mcp_config(settings.mcp_config))
    mcp = McpToolActivities(settings, connections)
    tools = ToolActivities(settings, mcp, registry, agents, unregistered is None)
    llm = LlmActivities(settings)
    approvals = ApprovalActivities(settings.approval_secret)
    try:
        yield Worker(
            client,
            task_queue=settings.task_queue,
            workflows=WORKFLOWS,
            activities=[
                llm.call_llm,
                tools.load_run_config,
                tools.run_tool,
                mcp.run_mcp_tool,
                approvals.verify_decision,
            ],
            **options,  # type: ignore[arg-type]
        )
    finally:
        await connections.close()


async def run_worker(settings: Settings) -> None:
    client = await connect_client(settings)
    async with relay_worker(client, settings) as worker:
        await worker.run()


if __name__ == "__main__":
    asyncio.run(run_worker(Settings.from_env()))
