"""The incident example (examples/incident): `relay demo` plays its chain of events offline,
deciding the restart (approved, or rejected: how a failure looks in a chain), and a
postmortem agent added later, as an app of its own, reacts to the incidents mitigated after
its worker started while the incident app's code and configuration stay as they are."""

import sqlite3
from pathlib import Path

from temporalio.client import WorkflowHandle

from examples.incident.app import ALERT, INCIDENT_GOAL
from examples.incident.app import app as incident
from examples.incident.postmortem import app as postmortem
from relay.agents.approvals import DecisionRequest, PendingApproval
from relay.agents.models import GoalRequest
from relay.app import Demo
from relay.cli.chains import chain_text
from relay.cli.demo_chain import follow_chain
from relay.client.goals import start_goal
from relay.temporal.devserver import DevServer
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import RELAY, run_command
from tests.conftest import Relay, running_relay
from tests.test_demo import demo_env


async def test_the_incident_demo_plays_the_chain_offline(tmp_path: Path) -> None:
    env, _ = demo_env()
    app = ("--app", "examples.incident.app:app", "--data-dir", str(tmp_path))
    outcome = await run_command(RELAY, "demo", *app, "--approve-as", "ops-lead", env=env)
    assert outcome.code == 0, outcome.err
    out = outcome.out
    assert "t1-restart_service-1: approved by ops-lead" in out
    assert "budget: 3 of 20 events, $0.0000 of $5.00 spent" in out
    assert out.count("· completed ·") == 4  # triage, remediation, comms twice
    assert "remediation: INC-1: restarted checkout, which is healthy again." in out
    assert "Resolved: checkout is working normally again (INC-1)." in out
    assert "?query=RelayChain%20%3D%20%27demo-" in out


async def test_a_rejected_restart_ends_the_chain_early_and_says_so(tmp_path: Path) -> None:
    env, _ = demo_env()
    app = ("--app", "examples.incident.app:app", "--data-dir", str(tmp_path))
    outcome = await run_command(
        RELAY, "demo", *app, "--approve-as", "ops-lead", "--reject", env=env
    )
    assert outcome.code == 0, outcome.err
    out = outcome.out
    assert "t1-restart_service-1: rejected by ops-lead" in out
    assert "budget: 2 of 20 events" in out  # nothing mitigated: no incident.mitigated
    assert "incident.remediation · rejected" in out
    assert "remediation: INC-1: checkout was not restarted:" in out
    assert "Investigating: checkout shows errors" in out and "Resolved:" not in out


async def _approve(handle: WorkflowHandle, pending: list[PendingApproval]) -> None:
    for p in pending:
        decision = DecisionRequest(approval_id=p.approval_id, approver="ops-lead", approve=True)
        await handle.execute_update(SupervisorWorkflow.decide, decision)


async def _alert(relay: Relay, service: str) -> str:
    """The chain an alert on `service` starts, once it has ended."""
    demo = Demo(event="alert.fired", data={"service": service, "signal": "5xx rate up"})
    ledger = await follow_chain(relay.client, relay.settings, incident, demo, _approve)
    return await chain_text(relay.client, ledger.rsplit("/", 1)[-1])


async def test_a_postmortem_agent_added_later_reacts_to_what_is_mitigated_after(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path / "incident", app=incident) as relay:
        before = await _alert(relay, "checkout")
        async with running_relay(temporal_server, tmp_path / "postmortem", app=postmortem) as later:
            after = await _alert(relay, "payments")
            assert later.settings.task_queue != relay.settings.task_queue
        await relay.client.get_workflow_handle("subscription/postmortem/postmortem").terminate()

    assert "postmortem.postmortem" not in before
    assert "budget: 3 of 20 events" in before and "budget: 3 of 20 events" in after
    assert after.count("postmortem.postmortem · completed") == 1
    with sqlite3.connect(tmp_path / "postmortem" / "shop.db") as db:
        drafts = db.execute("SELECT incident, service, draft FROM postmortems").fetchall()
    assert [(incident_id, service) for incident_id, service, _ in drafts] == [("INC-2", "payments")]
    assert "mitigated by a restart" in drafts[0][2]


async def test_the_same_incident_orchestrated_is_one_goal(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """The orchestrated twin of the chain (benchmarks/incident_styles.py measures both): one
    supervisor plans triage → remediation → comms, and the incident is one run to read."""
    async with running_relay(temporal_server, tmp_path, app=incident) as relay:
        request = GoalRequest(
            goal=INCIDENT_GOAL, context=ALERT, app="incident", app_digest=incident.digest
        )
        handle = await start_goal(
            relay.client, request, f"incident-{tmp_path.name[-8:]}", relay.settings.task_queue
        )
        pending = await relay.next_pending(handle)
        await _approve(handle, [pending])
        result = await handle.result()

    assert pending.tool == "restart_service" and pending.agent == "remediation"
    assert result.status == "completed"
    assert [(t.agent, t.status) for t in result.tasks] == [
        ("triage", "completed"),
        ("remediation", "completed"),
        ("comms", "completed"),
    ]
    assert "INC-1: restarted checkout, which is healthy again." in result.answer
    assert "Resolved: checkout is working normally again (INC-1)." in result.answer
