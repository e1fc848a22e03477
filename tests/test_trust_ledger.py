"""Ledger rows bound to the run and the call, on a real dev server: a reused goal id finds
nothing of the earlier run, an MCP client cannot read or poison another owner's keys, and a
write whose every attempt was lost to a crash is reported as done when it committed."""

import json
import os
import signal
import uuid
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from temporalio.exceptions import WorkflowAlreadyStartedError

from relay.agents.models import GoalRequest
from relay.client.goals import start_goal
from relay.temporal.devserver import DevServer
from tests.cli_runner import RELAY, relay_cli
from tests.conftest import query, running_relay
from tests.extra_tools import CALLS, TEST_APP
from tests.reliability import Describe
from tests.test_agent_loop import call
from tests.worker_process import relay_for_worker_processes, worker_process


async def test_a_reused_goal_id_is_refused_and_a_new_run_gets_fresh_ledger_keys(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=TEST_APP) as relay:
        goal_id = f"reused-{uuid.uuid4().hex[:8]}"

        async def run(customer: str, order: str, new_run: bool) -> dict:
            script = relay.orders_script(
                [call("plan_shipment", **_shipment(order)), {"content": "Planned."}]
            )
            request = GoalRequest(goal="Ship it.", customer_id=customer, model=script)
            handle = await start_goal(
                relay.client, request, goal_id, relay.settings.task_queue, new_run=new_run
            )
            result = await handle.result()
            child = await relay.child_result(result.tasks[0].workflow_id)
            [shipment] = [
                r
                for r in await relay.activity_runs(child.workflow_id, "tool")
                if r.input["tool"] == "plan_shipment"
            ]
            return shipment.result

        before = CALLS.get("plan_shipment", 0)
        first = await run("C-1001", "O-5002", new_run=False)
        assert first["data"]["order_id"] == "O-5002"

        with pytest.raises(WorkflowAlreadyStartedError):
            await run("C-1002", "O-5003", new_run=False)
        refused = await relay_cli(
            "run", "again", "--id", goal_id, env=_cli_env(relay.settings.temporal_address)
        )
        assert refused.code == 1 and refused.err.strip().endswith(
            f"goal id {goal_id!r} is taken: it has a run "
            "(pass --new-run to start a new run of a closed goal)"
        ), refused.err

        # Asked for explicitly, a new run of the id acts for itself: the earlier run's
        # recorded shipment is not its answer (C-1002 gets O-5003, planned anew).
        second = await run("C-1002", "O-5003", new_run=True)
        assert second["data"]["order_id"] == "O-5003" and not second["replayed"]
        assert CALLS["plan_shipment"] == before + 2
        rows = relay.rows("SELECT key, owner FROM tool_ledger WHERE tool = 'plan_shipment'")
        assert len(rows) == 2 and len({r["key"] for r in rows}) == 2
        assert {json.loads(r["owner"])["context"]["customer_id"] for r in rows} == {
            "C-1001",
            "C-1002",
        }


def _shipment(order: str) -> dict:
    return {
        "order_id": order,
        "address": {"street": "1 Main St", "postcode": "12345"},
        "parcels": [{"sku": "P-101", "quantity": 1}],
    }


def _cli_env(address: str) -> dict[str, str]:
    return {"TEMPORAL_ADDRESS": address, "RELAY_MODEL": "scripted"}


def _mcp_server(db: Path, customer: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=RELAY,
        args=["mcp-serve", "--context", f"customer_id={customer}"],
        env={**os.environ, "RELAY_DB": str(db), "RELAY_DATA_DIR": str(db.parent)},
    )


async def test_mcp_clients_keys_are_their_own_owners_and_the_guard_comes_first(
    tmp_path: Path,
) -> None:
    db = tmp_path / "shop.db"
    key = {"relay/idempotency-key": "shared-key-1"}
    ada_return = {"order_id": "O-5002", "product_id": "P-101", "reason": "too small"}
    alan_return = {"order_id": "O-5003", "product_id": "P-103", "reason": "too big"}
    async with Client(_mcp_server(db, "C-1001")) as ada:
        made = await ada.call_tool("create_return", ada_return, meta=key)
        assert not made.is_error, made.content
        assert made.structured_content["result"]["return_id"] == "R-7001"

        # The same key for other arguments is another call: refused, nothing done.
        other = await ada.call_tool("create_return", alan_return | {"order_id": "O-5001"}, meta=key)
        assert other.is_error and "recorded for another call" in other.content[0].text

    async with Client(_mcp_server(db, "C-1002")) as alan:
        # Replaying Ada's key for Ada's call: the guard refuses before the ledger answers.
        peek = await alan.call_tool("create_return", ada_return, meta=key)
        assert peek.is_error and "belongs to another customer" in peek.content[0].text
        # Alan's own call under the same key string is his own: a real return of his own.
        own = await alan.call_tool("create_return", alan_return, meta=key)
        assert not own.is_error, own.content
        assert own.structured_content["result"]["return_id"] == "R-7002"
        assert json.loads(own.content[0].text)["replayed"] is False

    assert [r["order_id"] for r in query(db, "SELECT order_id FROM returns ORDER BY id")] == [
        "O-5002",
        "O-5003",
    ]
    keys = [r["key"] for r in query(db, "SELECT key FROM tool_ledger ORDER BY created_at")]
    assert len(keys) == 2 and all(k.startswith("mcp-serve/") for k in keys)
    assert keys[0] != keys[1] and all(k.endswith("/shared-key-1") for k in keys)


@pytest.mark.faults
async def test_a_write_whose_only_attempt_was_lost_after_commit_is_reported_done(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    case = reliability(
        "worker SIGKILL after a one-attempt write commits",
        "a write tool with max_attempts=1; the worker SIGKILLs itself right after it commits",
        "the agent asks the ledger: the write is reported done; the goal completes; one row",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    log = tmp_path / "workers.log"
    app = {"RELAY_APP": "tests.extra_tools:TEST_APP"}
    script = relay.orders_script(
        [call("book_courier_once", order_id="O-5002"), {"content": "Courier booked."}]
    )
    async with worker_process(
        relay.settings, log, RELAY_FAULT="tool-committed:book_courier_once", **app
    ) as doomed:
        handle = await relay.start(model=script)
        assert await doomed.wait() == -signal.SIGKILL, log.read_text()
    case.fault_injected()
    assert len(relay.rows("SELECT * FROM couriers")) == 1  # committed, never reported

    async with worker_process(relay.settings, log, **app):
        result = await handle.result()
        case.recovered()

    assert result.status == "completed", result.answer
    child = await relay.child_result(result.tasks[0].workflow_id)
    assert [(c.tool, c.outcome) for c in child.tool_calls] == [("book_courier_once", "ok")]
    [outcome] = await relay.activity_runs(child.workflow_id, "tool_outcome")
    assert outcome.result["state"] == "done"
    assert outcome.result["observation"]["data"] == {"courier_for": "O-5002"}
    assert len(relay.rows("SELECT * FROM couriers")) == 1
    assert len(relay.rows("SELECT * FROM tool_ledger WHERE tool = 'book_courier_once'")) == 1
