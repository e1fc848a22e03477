"""MCP servers as tool sources, over stdio, inside real runs: the real `mcp-server-time`
package, and a server of the tests' own for destructive tools, rug pulls and crashes."""

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from examples.shop.app import app as shop_app
from relay.activities.mcp_connections import McpConnections
from relay.activities.mcp_tools import McpToolActivities
from relay.agents.approvals import ApprovalDecision
from relay.agents.tool_models import ToolRequest
from relay.settings import Settings
from relay.temporal.devserver import DevServer
from relay.tools.mcp_config import McpConfigError, load_mcp_config
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay, running_relay
from tests.test_agent_loop import call

TEST_SERVER = str(Path(__file__).with_name("mcp_test_server.py"))


def mcp_json(tmp_path: Path, **servers: dict[str, Any]) -> Path:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def orders_with_mcp(
    server: DevServer, tmp_path: Path, **servers: dict[str, Any]
) -> contextlib.AbstractAsyncContextManager[Relay]:
    """A worker whose `mcp.json` lists these servers, all granted to the orders agent."""
    return running_relay(
        server,
        tmp_path,
        mcp_config=mcp_json(tmp_path, **servers),
        agent_mcp={"orders": list(servers)},
    )


def ops_server(*flags: str) -> dict[str, Any]:
    return {"command": sys.executable, "args": [TEST_SERVER, *flags]}


async def test_an_agent_uses_the_real_time_server_end_to_end(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with orders_with_mcp(
        temporal_server, tmp_path, time={"command": "mcp-server-time"}
    ) as relay:
        script = relay.orders_script(
            [
                call("time__get_current_time", timezone="Asia/Tokyo"),
                {"content": "It is evening in Tokyo."},
            ]
        )
        handle = await relay.start(model=script)
        result = await handle.result()

        [task] = result.tasks
        assert task.status == "completed"
        [config_run] = await relay.activity_runs(handle.id, "load_run_config")
        discovered = {t["name"]: t for t in config_run.result["tools"]["orders"]}
        assert discovered["time__get_current_time"]["risk"] == "read"  # readOnlyHint
        assert discovered["time__convert_time"]["source"] == "mcp"
        [time_call] = await relay.activity_runs(task.workflow_id, "mcp_tool")
    assert time_call.result["ok"] is True
    assert time_call.result["data"]["timezone"] == "Asia/Tokyo"
    assert time_call.result["data"]["datetime"].endswith("+09:00")


async def test_a_destructive_mcp_tool_waits_for_approval(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with orders_with_mcp(temporal_server, tmp_path, ops=ops_server()) as relay:
        script = relay.orders_script(
            [call("ops__empty_cart", cart_id="K-1"), {"content": "Emptied."}]
        )
        handle = await relay.start(model=script)
        pending = await relay.next_pending(handle)
        assert pending.tool == "ops__empty_cart"
        assert pending.reason == "ops marks empty_cart as destructive (MCP destructiveHint)"
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
        result = await handle.result()
        [cart] = await relay.activity_runs(result.tasks[0].workflow_id, "mcp_tool")
    assert cart.result["data"] == {"cart_id": "K-1", "emptied": True}
    assert [a.verdict for a in result.approvals] == ["approved"]


async def test_a_server_that_changes_a_tool_mid_run_is_refused_for_the_rest_of_it(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with orders_with_mcp(temporal_server, tmp_path, ops=ops_server("--rug-pull")) as relay:
        script = relay.orders_script(
            [
                call("ops__stock_level", sku="P-101"),
                call("ops__stock_level", sku="P-102"),
                call("ops__add_note", order_id="O-5002", text="checked"),
                {"content": "Stock of P-101 is 7."},
            ]
        )
        result = await (await relay.start(model=script)).result()
        child = await relay.child_result(result.tasks[0].workflow_id)

    first, changed, after = child.tool_calls
    assert first.outcome == "ok"
    assert changed.outcome == "refused"
    assert "changed the description of 'stock_level'" in changed.detail
    assert after.outcome == "refused"
    assert "'ops' is refused for the rest of this run" in after.detail
    assert result.warnings == [
        "MCP server 'ops' was refused for the rest of the run: MCP server 'ops' changed the "
        "description of 'stock_level' since the run discovered it (possible rug pull)"
    ]


async def test_a_crashed_server_is_started_again_and_the_call_retried(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    starts = tmp_path / "starts.txt"
    crash = ops_server("--crash-once", str(tmp_path / "crashed"), "--starts", str(starts))
    async with orders_with_mcp(temporal_server, tmp_path, ops=crash) as relay:
        script = relay.orders_script(
            [call("ops__stock_level", sku="P-101"), {"content": "7 left."}]
        )
        result = await (await relay.start(model=script)).result()
        [stock] = await relay.activity_runs(result.tasks[0].workflow_id, "mcp_tool")

    assert stock.attempt == 2 and stock.result["data"] == {"sku": "P-101", "units": 7}
    assert len(starts.read_text().split()) == 2  # discovery's process, then the restarted one


async def test_the_mcp_activity_refuses_a_tool_the_agent_was_not_granted(tmp_path: Path) -> None:
    settings = Settings(
        mcp_config=mcp_json(tmp_path, ops=ops_server()),
        agent_mcp={"orders": ["ops__stock_level"]},
    )
    connections = McpConnections(load_mcp_config(settings.mcp_config))
    mcp = McpToolActivities(settings, connections, shop_app.agents)
    try:
        catalog = await mcp.catalog([shop_app.agents["orders"], shop_app.agents["returns"]])
        assert [t.name for t in catalog["orders"]] == ["ops__stock_level"]
        assert catalog["returns"] == []
        request = ToolRequest(agent="orders", tool="ops__empty_cart", arguments={"cart_id": "K"})
        with pytest.raises(ApplicationError) as refused:
            await ActivityEnvironment().run(mcp.run_mcp_tool, request)
        assert refused.value.type == "ToolNotAllowed" and refused.value.non_retryable
    finally:
        await connections.close()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{", "is not JSON"),
        ('{"mcpServers": {"a": {}}}', "give either `command` (stdio) or `url`"),
        ('{"mcpServers": {"a__b": {"command": "x"}}}', "'__' separates server and tool"),
        ('{"mcpServers": {"a": {"command": "x", "bogus": 1}}}', "mcpServers.a.bogus"),
    ],
)
def test_a_bad_mcp_json_is_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(body)
    with pytest.raises(McpConfigError) as bad:
        load_mcp_config(path)
    assert message in str(bad.value) and "\n" not in str(bad.value)
