"""A relay worker: every workflow and activity on one task queue; config from the environment."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.llm import LlmActivities
from activities.tools import ToolActivities
from settings import Settings
from temporal.connect import connect_client
from workflows.agent import AgentWorkflow
from workflows.supervisor import SupervisorWorkflow

WORKFLOWS = [SupervisorWorkflow, AgentWorkflow]


def build_worker(client: Client, settings: Settings, **options: object) -> Worker:
    """The worker relay runs; tests pass `max_cached_workflows=0` to replay every step."""
    tools = ToolActivities(settings)
    llm = LlmActivities(settings)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=[llm.call_llm, tools.load_run_config, tools.run_tool],
        activity_executor=ThreadPoolExecutor(max_workers=16),
        **options,  # type: ignore[arg-type]
    )


async def run_worker(settings: Settings) -> None:
    client = await connect_client(settings)
    await build_worker(client, settings).run()


if __name__ == "__main__":
    asyncio.run(run_worker(Settings.from_env()))
