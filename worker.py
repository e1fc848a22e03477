"""A relay worker for an app: relay's workflows and the app's activities, as a Temporal plugin.

`RelayPlugin(app)` configures a client (data converter, encryption, tracing) and a worker
(relay's workflows, the LLM, tool, MCP and approval activities for the app's agents), the way
Temporal's own integrations do, so a user's own `Client.connect(..., plugins=[...])` and
`Worker(client, task_queue=...)` work.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from temporalio.client import Client
from temporalio.plugin import SimplePlugin
from temporalio.worker import Worker, WorkerConfig
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from relay.activities.answers import AnswerActivities
from relay.activities.approvals import ApprovalActivities
from relay.activities.events import EventActivities, own_listeners
from relay.activities.faults import hang_if
from relay.activities.llm import LlmActivities
from relay.activities.mcp_connections import McpConnections
from relay.activities.mcp_tools import McpToolActivities
from relay.activities.tools import ToolActivities
from relay.agents.events import Listening
from relay.app import App
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.deployment import deployment_config
from relay.temporal.search_attributes import ensure_registered
from relay.temporal.subscriptions import keep_registered, registered
from relay.temporal.telemetry import tracing_interceptors
from relay.tools.mcp_config import load_mcp_config
from relay.tools.runtime import AppRuntime
from relay.workflows.agent import AgentWorkflow
from relay.workflows.chain import ChainWorkflow
from relay.workflows.event_delivery import EventWorkflow
from relay.workflows.subscription import SubscriptionWorkflow
from relay.workflows.supervisor import SupervisorWorkflow
from relay.workflows.thread import ThreadWorkflow

WORKFLOWS = [
    SupervisorWorkflow,
    AgentWorkflow,
    EventWorkflow,
    ChainWorkflow,
    SubscriptionWorkflow,
    ThreadWorkflow,
]
# relay's modules are imported once, not again for every run in the sandbox (measured +40-60
# ms worker CPU per goal): its workflow code keeps all state in workflow instances, none in
# modules (tests/test_sandbox.py checks that a run changes no module state).
RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("relay")
)


class RelayPlugin(SimplePlugin):
    """Serves one app (or, with `agents`, only those agents' tools: a worker pool). Settings
    default to the environment (`Settings.from_env()`)."""

    def __init__(
        self, app: App, settings: Settings | None = None, agents: Sequence[str] | None = None
    ) -> None:
        self.app = app
        self.settings = settings or Settings.from_env()
        self._connections = McpConnections(load_mcp_config(self.settings.mcp_config))
        mcp = McpToolActivities(self.settings, self._connections, app.agents)
        runtime = AppRuntime(app, self.settings)
        self._tools = ToolActivities(self.settings, mcp, runtime, serves=agents)
        self._serves = set(agents) if agents is not None else None
        self._llm = llm = LlmActivities(
            self.settings, app.scripted, self._tools.catalog, runtime.store, app.name
        )
        approvals = ApprovalActivities(self.settings.approval_secret)
        events = EventActivities(app, self.settings, lambda: self._tools.search_attributes)
        super().__init__(
            "relay",
            data_converter=self.settings.converter(),
            interceptors=tracing_interceptors(),
            workflows=WORKFLOWS,
            workflow_runner=RUNNER,
            activities=[
                llm.call_llm,
                llm.check_tool_arguments,
                self._tools.load_run_config,
                self._tools.run_tool,
                self._tools.tool_outcome,
                mcp.run_mcp_tool,
                approvals.verify_decision,
                approvals.sign_notice,
                approvals.verify_notice,
                AnswerActivities(app).check_answer,
                events.emit_event,
                events.event_subscribers,
                events.admit_event,
            ],
        )

    def configure_worker(self, config: WorkerConfig) -> WorkerConfig:
        """relay bounds every payload it makes (large tool results by reference, error texts
        cut, model inputs under 1 MB). The SDK's own size check would fail the workflow task
        that answers an oversized update from a client (a rejection echoes the request): the
        goal stalled for 10-20 s per update. Without it the server refuses that update at once,
        and it stays the backstop for everything else. Runs loaded here read locally only
        when this worker caches workflows."""
        config = super().configure_worker(config)
        config["disable_payload_error_limit"] = True
        # A local activity holds its run in the worker's cache until it is done; a worker
        # without one would time the workflow task out instead (tests replay every step).
        cached = config.get("max_cached_workflows", 1000) > 0
        self._tools.local_activities = self.settings.local_activities and cached
        return config

    async def run_worker(self, worker: Worker, next: Callable[[Worker], Awaitable[None]]) -> None:
        """Register relay's search attributes first (a namespace that refuses them runs without
        them); when the worker stops, close the MCP sessions and provider clients it opened."""
        unregistered = await ensure_registered(worker.client)
        if unregistered is not None:
            logging.getLogger("relay.worker").warning(
                "runs will not be searchable: %s", unregistered
            )
        self._tools.search_attributes = unregistered is None
        # Listening agents register once searchable (other apps' events find them), and keep
        # their subscriptions renewed while this worker runs.
        listening = [
            Listening(listener=listener, types=self.app.agents[listener.agent].listens)
            for listener in own_listeners(self.app, self.settings)
            if self._serves is None or listener.agent in self._serves
        ]
        renewing = None
        if listening and unregistered is None:
            renewing = asyncio.create_task(keep_registered(worker.client, listening))
            await registered(worker.client, listening)
        try:
            await next(worker)
        finally:
            if renewing is not None:
                renewing.cancel()
            hang_if("worker-shutdown-hangs", self.settings.fault)
            await self._connections.close()
            await self._llm.close()


@contextlib.asynccontextmanager
async def relay_worker(
    client: Client,
    settings: Settings,
    app: App,
    agents: Sequence[str] | None = None,
    **options: Any,
) -> AsyncIterator[Worker]:
    """The worker relay runs for an app on the settings' task queue, or, for `agents` with a
    pool of their own (`Agent(task_queue=...)`), on that pool's. Tests pass
    `max_cached_workflows=0` to replay every step. With a deployment and build id in the
    settings the worker is that version of the deployment, its runs pinned to it."""
    queue = (app.pool_queue(agents) if agents else None) or settings.queue_for(app.name)
    versioning = deployment_config(settings)
    if versioning is not None:
        options.setdefault("deployment_config", versioning)
    yield Worker(client, task_queue=queue, plugins=[RelayPlugin(app, settings, agents)], **options)


async def run_worker(settings: Settings, app: App, agents: Sequence[str] | None = None) -> None:
    client = await connect_client(settings)
    cached = settings.max_cached_workflows
    async with relay_worker(client, settings, app, agents, max_cached_workflows=cached) as worker:
        await worker.run()
