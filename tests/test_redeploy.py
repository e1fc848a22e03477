"""A run keeps the agents it started with: a worker redeployed with new instructions mid-run
does not change them, because the supervisor and its agents read the run's recorded
configuration (history), never the worker's current app."""

from pathlib import Path

from examples.helpdesk.app import access, diagnostics
from relay import ApprovalDecision, SupervisorWorkflow
from relay.temporal.devserver import DevServer
from tests.conftest import relay_settings, running_relay
from tests.deploy_app import NEW, UNLOCK_THEN_VPN
from tests.deploy_app import v1 as helpdesk
from tests.deploy_app import v2 as with_new_instructions


async def test_a_run_finishes_with_the_instructions_it_started_with(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    settings = relay_settings(temporal_server, tmp_path)
    pinned = {"task_queue": settings.task_queue}
    script = UNLOCK_THEN_VPN
    async with running_relay(temporal_server, tmp_path, helpdesk, **pinned) as before:
        handle = await before.start(
            "My account is locked and the VPN drops", customer=None, model=before.script(script)
        )
        pending = await before.next_pending(handle)

    async with running_relay(temporal_server, tmp_path, with_new_instructions, **pinned) as after:
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="sam"),
        )
        result = await handle.result()
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
