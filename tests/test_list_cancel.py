"""`relay list` and `relay cancel` against a real dev server and worker: goals listed with
their status, requester and pending approvals (filters too), and a cancelled goal's undone
effects named."""

import asyncio
import json

from tests.cli_runner import relay_cli
from tests.conftest import Relay
from tests.test_agent_loop import call
from tests.test_cli import env_for


async def listed(relay: Relay, *flags: str) -> list[dict]:
    outcome = await relay_cli("list", "--json", *flags, env=env_for(relay))
    assert outcome.code == 0, outcome.err
    return [json.loads(line) for line in outcome.out.splitlines()]


async def test_list_shows_goals_and_cancel_says_what_was_undone(relay: Relay) -> None:
    quick = relay.orders_script(
        [call("get_last_order", customer_id="C-1001"), {"content": "O-5002."}]
    )
    done = await relay.start(model=quick, requested_by="bob")
    await done.result()
    waiting = await relay.start(requested_by="ada")
    pending = await relay.next_pending(waiting)
    assert pending.tool == "issue_refund"

    for _ in range(100):  # visibility catches up with the run's search attributes
        rows = {r["id"]: r for r in await listed(relay, "--limit", "50")}
        if rows.get(waiting.id, {}).get("pending_approvals") == 1:
            break
        await asyncio.sleep(0.2)
    assert rows[done.id]["state"] == "completed" and rows[done.id]["requester"] == "bob"
    assert rows[waiting.id]["status"] == "waiting_for_approval"
    assert rows[waiting.id]["requester"] == "ada" and rows[waiting.id]["pending_approvals"] == 1
    assert waiting.id in [r["id"] for r in await listed(relay, "--waiting", "--limit", "50")]
    assert [r["id"] for r in await listed(relay, "--requester", "bob", "--limit", "50")] == [
        done.id
    ]

    cancelled = await relay_cli("cancel", waiting.id, env=env_for(relay))
    assert cancelled.code == 0, cancelled.err
    assert f"{waiting.id}: canceled" in cancelled.out
    assert "undone: cancel_return · return_id=R-7001 (done)" in cancelled.out
    assert [r["status"] for r in relay.rows("SELECT status FROM returns")] == ["cancelled"]

    again = await relay_cli("cancel", waiting.id, env=env_for(relay))
    assert again.code == 1 and "is canceled; there is nothing to cancel" in again.err
