"""A run keeps the agents it started with: a worker redeployed with new instructions mid-run
does not change them, because the supervisor and its agents read the run's recorded
configuration (history), never the worker's current app."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from examples.helpdesk.app import access, diagnostics
from relay import App, ApprovalDecision, GoalResult, SupervisorWorkflow
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


async def test_model_calls_name_tools_by_digest_and_a_redeploy_still_shows_the_runs_tools(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """Tool schemas travel by digest. A worker redeployed with a tool described otherwise does
    not know the run's digest: the call fails with ToolsUnknown and the workflow sends the
    run's recorded tools inline, so the model still sees what the run started with."""
    async with redeployed(temporal_server, tmp_path, described_otherwise) as (after, result):
        children = {t.agent: t.workflow_id for t in result.tasks}
        access_calls = await after.activity_runs(children["access"], "llm")
        diagnostics_calls = await after.activity_runs(children["diagnostics"], "llm")
        history = await after.client.get_workflow_handle(children["diagnostics"]).fetch_history()

    assert result.status == "completed"
    # Before the redeploy: by digest, no schemas in history.
    assert all(c.input["tools"] == [] and c.input["tools_digest"] for c in access_calls)
    # After: the worker did not know the digest, so the run's own tools went inline.
    failures = [
        e.activity_task_failed_event_attributes.failure.message
        for e in history.events
        if e.HasField("activity_task_failed_event_attributes")
    ]
    assert any("does not know the tools with digest" in f for f in failures), failures
    described = [
        t["description"]
        for c in diagnostics_calls
        for t in c.input["tools"]
        if t["name"] == "check_service_status"
    ]
    assert len(described) == len(diagnostics_calls) == 2
    assert NEW_DESCRIPTION not in described
