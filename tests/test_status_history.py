"""`relay status` and `relay approve` read a goal from history when no worker can answer, and
status shows every tool call's outcome and, for a cancelled goal, the whole tree and what was
undone. Real `relay worker` processes and the real CLI against a real dev server."""

import asyncio
import signal
from pathlib import Path

import httpx

from relay.temporal.devserver import DevServer
from tests.cli_runner import relay_cli
from tests.conftest import Relay
from tests.serve_process import bearer, serve_process
from tests.test_agent_loop import call
from tests.test_cli import env_for
from tests.worker_process import relay_for_worker_processes, worker_process


async def test_status_and_approve_work_while_no_worker_runs(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    base = await relay_for_worker_processes(temporal_server, tmp_path)
    settings = base.settings.model_copy(update={"task_queue": "unserved-" + tmp_path.name[-8:]})
    relay = Relay(client=base.client, settings=settings, tmp_path=tmp_path)
    env = env_for(relay)
    log = tmp_path / "workers.log"
    async with worker_process(settings, log) as worker:
        handle = await relay.start(requested_by="ada")
        pending = await relay.next_pending(handle)
        relay.rows("UPDATE returns SET status = 'cancelled'")  # the next goal's item again
        other = await relay.start(requested_by="ada")
        other_pending = await relay.next_pending(other)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) == 130

    status = await asyncio.wait_for(relay_cli("status", handle.id, env=env), 60)
    assert status.code == 0, status.err
    out = status.out
    assert f"no worker polls task queue {settings.task_queue!r}: read from history" in out
    assert f"{handle.id} · waiting_for_approval" in out
    assert f"waiting for approval {pending.approval_id}: issue_refund(" in out
    assert '↳ create_return({"order_id": "O-5002"' in out and " · ok" in out  # the orders agent
    assert "step 1 · scripted" in out

    # The first goal's return was set aside for the second: approve the second, by the CLI,
    # and reject the first, from the inbox (202: sent as a signal).
    approve = await asyncio.wait_for(
        relay_cli("approve", other.id, other_pending.approval_id, "--as", "fiona", env=env), 60
    )
    assert approve.code == 0, approve.err
    assert f"{other_pending.approval_id}: approve sent as a signal; no worker polls task" in (
        approve.out
    )
    async with (
        serve_process(relay, tmp_path / "serve.log") as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        sent = await http.post(
            f"/approvals/{handle.id}/{pending.approval_id}",
            json={"decision": "reject", "reason": "not now"},
            headers=bearer("fiona"),
        )
        # The API reads the goal and its audit from history too, instead of waiting.
        goal = await http.get(f"/goals/{other.id}", headers=bearer("bob"))
        assert goal.json()["no_worker"] == settings.task_queue
        assert goal.json()["status"] == "waiting_for_approval"
        audit = await http.get(f"/goals/{other.id}/audit", headers=bearer("bob"))
        assert audit.status_code == 200 and audit.json() == []
    assert sent.status_code == 202, sent.text
    assert sent.json() == {
        "approval_id": pending.approval_id,
        "decision": "reject",
        "sent_as": "signal",
    }

    async with worker_process(settings, log):  # the decisions take effect when a worker returns
        approved = await asyncio.wait_for(other.result(), 90)
        rejected = await asyncio.wait_for(handle.result(), 90)
    assert approved.status == "completed", approved.answer
    assert [(a.verdict, a.approver) for a in approved.approvals] == [("approved", "fiona")]
    assert rejected.status == "rejected"
    assert [(a.verdict, a.approver) for a in rejected.approvals] == [("rejected", "fiona")]
    assert len(relay.rows("SELECT * FROM refunds")) == 1


async def test_status_keeps_a_cancelled_goals_tree_and_names_what_was_undone(
    relay: Relay,
) -> None:
    handle = await relay.start()
    await relay.next_pending(handle)
    await handle.cancel()
    for _ in range(300):
        if (await handle.describe()).status.name == "CANCELED":  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.1)
    status = await relay_cli("status", handle.id, env=env_for(relay))
    assert status.code == 0, status.err
    out = status.out
    assert f"{handle.id} · canceled" in out
    # Every task is still there, with each agent's turns and tool calls.
    assert "├── orders · orders · completed" in out and "└── returns · returns · cancelled" in out
    assert '↳ get_last_order({"customer_id": "C-1001"}) · ok' in out
    assert '↳ create_return({"order_id": "O-5002", "product_id": "P-101"' in out
    # The return was undone when the goal was cancelled, and status says so.
    assert 'undid cancel_return({"return_id": "R-7001"}) for returns · ok' in out, out


async def test_status_marks_each_tool_calls_outcome(relay: Relay) -> None:
    script = relay.orders_script(
        [
            call("get_last_order"),  # no customer_id: invalid
            call("issue_refund", order_id="O-5002", amount=1),  # not the orders agent's
            call("get_last_order", customer_id="C-1001"),
            {"content": "Your last order is O-5002."},
        ]
    )
    done = await relay.start(model=script)
    assert (await done.result()).status == "completed"
    rejected = await relay.start()
    pending = await relay.next_pending(rejected)
    await rejected.signal(
        "reject", {"approval_id": pending.approval_id, "approver": "fiona", "reason": "no"}
    )
    assert (await rejected.result()).status != "completed"

    out = (await relay_cli("status", done.id, env=env_for(relay))).out
    assert "↳ get_last_order({}) · invalid: invalid arguments for get_last_order" in out, out
    assert "↳ issue_refund(" in out and "· refused: tool 'issue_refund' is not allowed" in out
    assert '↳ get_last_order({"customer_id": "C-1001"}) · ok' in out
    out = (await relay_cli("status", rejected.id, env=env_for(relay))).out
    assert "· rejected: issue_refund was rejected by fiona: no" in out, out
