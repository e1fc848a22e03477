"""The tool activity on its own: least privilege, validation, and the idempotency ledger."""

import dataclasses
import json
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from examples.shop.app import app as shop_app
from relay.activities.mcp_connections import McpConnections
from relay.activities.mcp_tools import McpToolActivities
from relay.activities.tools import ToolActivities
from relay.agents.tool_models import ToolRequest
from relay.app import App
from relay.settings import Settings
from relay.tools.mcp_config import McpConfig
from relay.tools.runtime import AppRuntime
from relay.tools.store import connect
from relay.workflows.policy import argument_errors
from tests.conftest import query
from tests.extra_tools import CALLS, TEST_APP, TEST_TOOLS

FOR_C1001 = {"customer_id": "C-1001"}  # the shop's tools act for the goal's customer


def tool_activities(tmp_path: Path, app: App = shop_app) -> ToolActivities:
    settings = Settings(data_dir=tmp_path, db_path=tmp_path / "shop.db")
    mcp = McpToolActivities(settings, McpConnections(McpConfig()), app.agents)
    return ToolActivities(settings, mcp, AppRuntime(app, settings))


@pytest.fixture
def tools(tmp_path: Path) -> ToolActivities:
    return tool_activities(tmp_path)


def count(tmp_path: Path, table: str) -> int:
    db = connect(tmp_path / "shop.db")
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


async def test_disallowed_tool_is_refused_inside_the_activity(
    tools: ToolActivities, tmp_path: Path
) -> None:
    request = ToolRequest(
        agent="catalog", tool="issue_refund", arguments={"return_id": "R-7001", "amount": 10}
    )
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(tools.run_tool, request)
    assert refused.value.type == "ToolNotAllowed" and refused.value.non_retryable
    assert count(tmp_path, "refunds") == 0


async def test_invalid_arguments_never_reach_the_tool(
    tools: ToolActivities, tmp_path: Path
) -> None:
    request = ToolRequest(
        agent="returns",
        tool="create_return",
        context=FOR_C1001,
        arguments={"order_id": "O-5002", "product_id": "shirt", "reason": ""},
    )
    with pytest.raises(ApplicationError) as invalid:
        await ActivityEnvironment().run(tools.run_tool, request)
    assert invalid.value.type == "InvalidToolArguments"
    assert "product_id" in str(invalid.value) and "reason" in str(invalid.value)
    assert count(tmp_path, "returns") == 0


async def test_a_retried_write_returns_the_recorded_result(
    tools: ToolActivities, tmp_path: Path
) -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id="wf-1", activity_id="7", attempt=1)
    request = ToolRequest(
        agent="returns",
        tool="create_return",
        context=FOR_C1001,
        arguments={"order_id": "O-5002", "product_id": "P-101", "reason": "too small"},
    )
    first = await env.run(tools.run_tool, request)
    env.info = dataclasses.replace(env.info, attempt=2)
    second = await env.run(tools.run_tool, request)

    assert first.ok and not first.replayed
    assert second.replayed and second.data == first.data
    assert count(tmp_path, "returns") == 1 and count(tmp_path, "tool_ledger") == 1


async def test_business_errors_are_observations(tools: ToolActivities) -> None:
    request = ToolRequest(
        agent="returns",
        tool="check_return_eligibility",
        context=FOR_C1001,
        arguments={"order_id": "O-5002", "product_id": "P-104"},
    )
    observation = await ActivityEnvironment().run(tools.run_tool, request)
    assert not observation.ok and observation.error == "order O-5002 has no item P-104"


async def test_outside_the_window_is_not_eligible(tools: ToolActivities) -> None:
    request = ToolRequest(
        agent="returns",
        tool="check_return_eligibility",
        context=FOR_C1001,
        arguments={"order_id": "O-5001", "product_id": "P-104"},
    )
    observation = await ActivityEnvironment().run(tools.run_tool, request)
    assert observation.ok and observation.data["eligible"] is False
    assert "the return window is 30" in observation.data["reasons"][0]


async def test_nested_arguments_get_one_schema_and_are_validated_before_the_tool(
    tmp_path: Path,
) -> None:
    info = TEST_TOOLS.get("plan_shipment").info()  # type: ignore[union-attr]
    address = info.parameters["$defs"]["Address"]
    assert address["properties"]["postcode"]["pattern"] == r"^\d{5}$"
    assert info.parameters["properties"]["parcels"]["items"] == {"$ref": "#/$defs/Parcel"}
    bad = {
        "order_id": "O-5002",
        "address": {"street": "Main St 1", "postcode": "12"},
        "parcels": [{"sku": "P-101", "quantity": 0}],
    }
    # The workflow's check (what the model is told) and the activity's check both see the
    # nested mistakes; the function never runs.
    problems = argument_errors(info, bad)
    assert problems is not None
    assert "address.postcode" in problems and "parcels.0.quantity" in problems
    tools = tool_activities(tmp_path, TEST_APP)
    request = ToolRequest(agent="orders", tool="plan_shipment", arguments=bad)
    with pytest.raises(ApplicationError) as invalid:
        await ActivityEnvironment().run(tools.run_tool, request)
    assert invalid.value.type == "InvalidToolArguments" and invalid.value.non_retryable
    assert CALLS.get("plan_shipment", 0) == 0
    good = {**bad, "address": {"street": "Main St 1", "postcode": "12345"}}
    good["parcels"] = [{"sku": "P-101", "quantity": 2}]
    assert argument_errors(info, good) is None
    done = await ActivityEnvironment().run(
        tools.run_tool, request.model_copy(update={"arguments": good})
    )
    assert done.data == {"order_id": "O-5002", "parcels": 1, "to": "12345"}


async def test_failures_are_classified(tmp_path: Path) -> None:
    tools = tool_activities(tmp_path, TEST_APP)

    def call(name: str) -> ToolRequest:
        return ToolRequest(agent="orders", tool=name, arguments={})

    with pytest.raises(ApplicationError) as permanent:
        await ActivityEnvironment().run(tools.run_tool, call("broken_carrier"))
    assert permanent.value.type == "ToolFailed" and permanent.value.non_retryable
    assert permanent.value.message == "broken_carrier: the carrier account is suspended"

    with pytest.raises(ConnectionError):  # not an ApplicationError: Temporal retries it
        await ActivityEnvironment().run(tools.run_tool, call("flaky_inventory"))

    business = await ActivityEnvironment().run(tools.run_tool, call("closed_warehouse"))
    assert not business.ok and business.error == "the warehouse is closed on Sundays"


async def test_a_hung_tool_is_cut_off_at_its_timeout(tmp_path: Path) -> None:
    tools = tool_activities(tmp_path, TEST_APP)
    request = ToolRequest(agent="orders", tool="hang_forever", arguments={})
    with pytest.raises(ApplicationError) as cut:
        await ActivityEnvironment().run(tools.run_tool, request)
    assert cut.value.type == "ToolTimedOut" and not cut.value.non_retryable
    assert cut.value.message == "tool hang_forever did not finish within 1s"


async def test_reads_reuse_a_kept_thread_and_connection_that_a_hung_read_does_not_hold(
    tmp_path: Path,
) -> None:
    tools = tool_activities(tmp_path, TEST_APP)

    async def call(name: str, activity_id: str) -> dict[str, int]:
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, workflow_id="wf-reads", activity_id=activity_id)
        request = ToolRequest(agent="orders", tool=name, arguments={})
        observation = await env.run(tools.run_tool, request)
        assert observation.ok, observation.error
        return observation.data

    reads = [await call("where_am_i", str(n)) for n in range(12)]
    readers = {r["thread"] for r in reads}
    assert len(readers) <= 4  # kept readers, not a thread per call
    assert len({r["connection"] for r in reads}) == len(readers)  # a kept connection each

    with pytest.raises(ApplicationError):  # cut off at 1 s; its reader stays stuck
        await ActivityEnvironment().run(
            tools.run_tool, ToolRequest(agent="orders", tool="hang_forever", arguments={})
        )
    # The stuck reader is not waited for: the next reads are served (else cut off at 30 s).
    after_hang = [await call("where_am_i", str(n)) for n in range(12, 16)]
    assert all(r["connection"] for r in after_hang)

    # A write runs on a thread of its own (readers are alive, so no ident of theirs is reused).
    write = await call("where_do_i_write", "16")
    assert write["thread"] not in readers | {r["thread"] for r in after_hang}


async def test_a_tool_cannot_put_a_huge_error_into_history(tmp_path: Path) -> None:
    tools = tool_activities(tmp_path, TEST_APP)
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id="wf-loud", activity_id="1")

    refusal = await env.run(
        tools.run_tool, ToolRequest(agent="orders", tool="loud_refusal", arguments={})
    )
    assert not refusal.ok and refusal.error.startswith("refused: xxx")
    assert "more characters cut" in refusal.error
    assert len(refusal.model_dump_json()) < 10_000  # its beginning, and the reference
    [stored] = query(tmp_path / "relay.db", "SELECT body FROM stored_results")
    assert len(json.loads(stored["body"])["error"]) == len("refused: ") + 600_000

    with pytest.raises(ApplicationError) as crash:
        await env.run(tools.run_tool, ToolRequest(agent="orders", tool="loud_crash", arguments={}))
    failure = crash.value
    assert failure.type == "RuntimeError" and not failure.non_retryable  # still retried
    assert failure.message.startswith("upstream said: yyy") and len(failure.message) < 4100
    assert failure.__cause__ is None  # the cause would carry the whole text again


async def test_a_long_tool_that_stops_heartbeating_is_cut_off_early(tmp_path: Path) -> None:
    tools = tool_activities(tmp_path, TEST_APP)
    env = ActivityEnvironment()
    beats: list[object] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    request = ToolRequest(agent="orders", tool="fall_silent", arguments={})
    with pytest.raises(ApplicationError) as cut:
        await env.run(tools.run_tool, request)
    assert cut.value.message == "tool fall_silent sent no heartbeat for 0.5s"
    assert beats == [("working",), ("working",)]  # its heartbeats reached Temporal


async def test_a_guard_refuses_another_customers_data_before_any_effect(
    tools: ToolActivities, tmp_path: Path
) -> None:
    # O-5003 belongs to C-1002; the goal is C-1001's.
    arguments = {"order_id": "O-5003", "product_id": "P-103", "reason": "not mine"}
    for check_only in (True, False):
        request = ToolRequest(
            agent="returns",
            tool="create_return",
            arguments=arguments,
            context=FOR_C1001,
            check_only=check_only,
        )
        observation = await ActivityEnvironment().run(tools.run_tool, request)
        assert observation.refused and not observation.ok
        assert observation.error == (
            "refused: order O-5003 belongs to another customer, not to C-1001"
        )
    nobody = ToolRequest(agent="orders", tool="get_order", arguments={"order_id": "O-5002"})
    observation = await ActivityEnvironment().run(tools.run_tool, nobody)
    assert observation.error == "refused: the goal names no customer (context customer_id)"
    assert count(tmp_path, "returns") == 0 and count(tmp_path, "tool_ledger") == 0
