"""The helpdesk example (written only against relay's public API) end to end on a real dev
server: both agents, a password reset that waits for a human with no rule of its own, the
approve and reject paths, `relay status` and `relay replay --app` of the finished run."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle

from examples.helpdesk.app import app as helpdesk
from examples.helpdesk.directory import Directory
from relay import ApprovalDecision, SupervisorWorkflow
from relay.agents.specs import route_goal
from relay.temporal.devserver import DevServer
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.test_agent_loop import call

HELPDESK_APP = "examples.helpdesk.app:app"
GOAL = "The VPN keeps dropping and my account U-1001 is locked, please help"
PLAN = {
    "content": '{"tasks": ['
    '{"id": "vpn", "agent": "diagnostics", "instruction": "Check the VPN for U-1001."}, '
    '{"id": "unlock", "agent": "access", "instruction": "Unlock the account of U-1001."}]}'
}
DIAGNOSTICS = [
    call("check_service_status", service="vpn"),
    call("open_ticket", user_id="U-1001", summary="VPN drops (INC-2001)"),
    {"content": "The VPN is degraded (INC-2001); I opened ticket TKT-3001."},
]


def script(access_answer: str) -> dict[str, Any]:
    return {
        "plan": [PLAN],
        "agents": {
            "diagnostics": DIAGNOSTICS,
            "access": [
                call("lookup_user", user_id="U-1001"),
                call("reset_password", user_id="U-1001"),
                {"content": access_answer},
            ],
        },
        "synthesize": [{"content": "VPN: see INC-2001. Account: see the access result."}],
    }


async def start(desk: Relay, access_answer: str) -> WorkflowHandle:
    return await desk.start(
        GOAL,
        customer=None,
        model=desk.script(script(access_answer)),
        context={"user_id": "U-1001"},
    )


@pytest.fixture
async def desk(temporal_server: DevServer, tmp_path: Path) -> AsyncIterator[Relay]:
    async with running_relay(temporal_server, tmp_path, helpdesk) as running:
        yield running


def env_for(relay: Relay) -> dict[str, str]:
    return {
        "TEMPORAL_ADDRESS": relay.settings.temporal_address,
        "RELAY_TASK_QUEUE": relay.settings.task_queue,
    }


def test_goals_with_other_domains_words_route_within_the_app() -> None:
    agents = list(helpdesk.agents)
    shop_words = "I ordered a new laptop last week and my account U-1001 is locked"
    assert route_goal(shop_words, helpdesk.routes, agents) == ["access"]
    assert route_goal("my VPN is down", helpdesk.routes, agents) == ["diagnostics"]
    # Nothing matches: every agent of the app is a candidate; never another app's.
    assert route_goal("I want a refund for my shirt", helpdesk.routes, agents) == agents


async def test_both_agents_and_an_approved_reset(desk: Relay) -> None:
    handle = await start(desk, "U-1001 was locked; reset RST-0001 is sent.")
    pending = await desk.next_pending(handle)
    assert (pending.agent, pending.tool) == ("access", "reset_password")
    assert "irreversible" in pending.reason  # no rule was needed for a human to decide
    directory = Directory(desk.tmp_path / "helpdesk-directory.db")
    assert directory.rows("resets") == []  # nothing happened before the decision

    status = await relay_cli("status", handle.id, env=env_for(desk))
    assert status.code == 0, status.err
    assert "diagnostics" in status.out and "access" in status.out
    assert f"relay approve {handle.id} {pending.approval_id}" in status.out

    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending.approval_id, approver="sam", reason="verified"),
    )
    result = await handle.result()

    assert result.status == "completed"
    assert {t.agent: t.status for t in result.tasks} == {
        "diagnostics": "completed",
        "access": "completed",
    }
    assert [(a.tool, a.verdict, a.approver) for a in result.approvals] == [
        ("reset_password", "approved", "sam")
    ]
    assert len(directory.rows("resets")) == 1
    assert directory.user("U-1001")["locked"] is False  # type: ignore[index]
    # The goal's context reached the planner; the ledger of an app with no database of its
    # own is relay's store, keyed by workflow id / activity id.
    [plan_call] = [r for r in await desk.activity_runs(handle.id, "llm") if r.attempt == 1][:1]
    assert "user_id: U-1001" in plan_call.input["messages"][0]["content"]
    ledger = desk.store_rows("SELECT tool, key FROM tool_ledger ORDER BY created_at")
    assert [row["tool"] for row in ledger] == ["open_ticket", "reset_password"]
    assert all(row["key"].startswith(f"{handle.id}/") for row in ledger)

    replay = await relay_cli(
        "replay", "--app", HELPDESK_APP, "--workflow-id", handle.id, env=env_for(desk)
    )
    assert replay.code == 0, replay.err
    assert replay.out.strip().count("\n") == 0 and "compatible" in replay.out


async def test_a_rejected_reset_undoes_the_ticket(desk: Relay) -> None:
    handle = await start(desk, "U-1001 is still locked: the reset was rejected.")
    pending = await desk.next_pending(handle)
    await handle.signal(
        SupervisorWorkflow.reject,
        ApprovalDecision(approval_id=pending.approval_id, approver="sam", reason="not verified"),
    )
    result = await handle.result()

    assert result.status != "completed"
    assert {t.agent: t.status for t in result.tasks}["access"] == "rejected"
    directory = Directory(desk.tmp_path / "helpdesk-directory.db")
    assert directory.rows("resets") == []
    assert directory.user("U-1001")["locked"] is True  # type: ignore[index]
    # The goal did not complete, so the ticket the diagnostics agent opened is closed again.
    assert [(t["id"], t["status"]) for t in directory.rows("tickets")] == [("TKT-3001", "closed")]
    assert [(c.undid, c.tool, c.ok) for c in result.compensations] == [
        ("open_ticket", "close_ticket", True)
    ]
