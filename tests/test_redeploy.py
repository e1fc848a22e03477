"""A run keeps the agents it started with: a worker redeployed with new instructions mid-run
does not change them, because the supervisor and its agents read the run's recorded
configuration (history), never the worker's current app."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from examples.helpdesk.app import access, diagnostics
from relay import App, ApprovalDecision, GoalResult, SupervisorWorkflow
from relay.activities.recorded_tools import recorded_tools
from relay.agents.models import AgentTask
from relay.agents.run_config import RunConfig
from relay.agents.tool_digest import tools_digest
from relay.temporal.devserver import DevServer
from tests.conftest import Relay, relay_settings, running_relay
from tests.deploy_app import NEW, NEW_DESCRIPTION, UNLOCK_THEN_VPN
from tests.deploy_app import v1 as helpdesk
from tests.deploy_app import v2 as with_new_instructions
from tests.deploy_app import v3 as described_otherwise


@contextlib.asynccontextmanager
async def redeployed(
    server: DevServer, tmp_path: Path, after_app: App
) -> AsyncIterator[tuple[Relay, GoalResult]]:
    """UNLOCK_THEN_VPN started on v1 until its reset waits for a human; the worker replaced by
    one serving `after_app`, which finishes the goal once the reset is approved. Yields that
    worker's relay (still running) and the result."""
    pinned = {"task_queue": relay_settings(server, tmp_path).task_queue}
    async with running_relay(server, tmp_path, helpdesk, **pinned) as before:
        handle = await before.start(
            "My account is locked and the VPN drops",
            customer=None,
            model=before.script(UNLOCK_THEN_VPN),
        )
        pending = await before.next_pending(handle)
    async with running_relay(server, tmp_path, after_app, **pinned) as after:
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="sam"),
        )
        yield after, await handle.result()


async def test_a_run_finishes_with_the_instructions_it_started_with(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with redeployed(temporal_server, tmp_path, with_new_instructions) as (after, result):
        children = {t.agent: t.workflow_id for t in result.tasks}
        systems = {
            agent: [
                run.input["messages"][0]["content"]
                for run in await after.activity_runs(workflow_id, "llm")
            ]
            for agent, workflow_id in children.items()
        }

    assert result.status == "completed"
    # Every model call of both agents, the one started after the redeploy included, had the
    # instructions the run started with.
    assert systems["access"] and systems["diagnostics"]
    assert all(s.startswith(access.instructions) for s in systems["access"])
    assert all(s.startswith(diagnostics.instructions) for s in systems["diagnostics"])
    assert not any(NEW in s for texts in systems.values() for s in texts)


async def test_tools_go_by_reference_and_a_redeploy_reads_the_runs_own_back_from_history(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """The run's configuration records each agent's tool schemas once; an agent's task carries
    their policy only, and its model calls name them by digest. A worker redeployed with a tool
    described otherwise does not know the run's digest: it reads the run's own schemas back
    from the goal's history, so the model still sees what the run started with."""
    async with redeployed(temporal_server, tmp_path, described_otherwise) as (after, result):
        children = {t.agent: t.workflow_id for t in result.tasks}
        goal = children["access"].rsplit("/", 1)[0]
        [loaded] = await after.activity_runs(goal, "load_run_config")
        config = RunConfig.model_validate(loaded.result)
        diagnostics_calls = await after.activity_runs(children["diagnostics"], "llm")
        history = await after.client.get_workflow_handle(children["diagnostics"]).fetch_history()
        [task] = await after.client.data_converter.decode(
            history.events[0].workflow_execution_started_event_attributes.input.payloads,
            [AgentTask],
        )
        read_back = await recorded_tools(
            after.client, children["diagnostics"], "", config.tool_digests["diagnostics"]
        )

    assert result.status == "completed"
    digest = config.tool_digests["diagnostics"]
    assert digest == tools_digest(config.tools["diagnostics"])
    # The agent's task: the tools' policy (risk, timeouts, ...) and their digest, no schema.
    assert task.tools_digest == digest
    assert {t.name for t in task.tools} == {t.name for t in config.tools["diagnostics"]}
    assert all(t.description == "" and t.parameters == {} for t in task.tools)
    # Every model call by digest, before and after the redeploy, and none failed for it.
    assert len(diagnostics_calls) == 2
    assert all(
        c.input["tools"] == [] and c.input["tools_digest"] == digest for c in diagnostics_calls
    )
    assert not [e for e in history.events if e.HasField("activity_task_failed_event_attributes")]
    # What the redeployed worker read back: the run's description, not its own new one.
    assert read_back is not None
    [status] = [t for t in read_back if t.name == "check_service_status"]
    [recorded] = [t for t in config.tools["diagnostics"] if t.name == "check_service_status"]
    assert status.description == recorded.description
    assert NEW_DESCRIPTION not in status.description
