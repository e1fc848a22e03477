"""`relay mcp-serve`: relay's own tools to any MCP client, through the real MCP client SDK."""

import json
import os
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from relay.tools.store import connect
from tests.cli_runner import RELAY


def relay_server(db: Path, *args: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=RELAY,
        args=["mcp-serve", "--context", "customer_id=C-1001", *args],
        env={**os.environ, "RELAY_DB": str(db), "RELAY_DATA_DIR": str(db.parent)},
    )


async def test_any_mcp_client_can_use_the_shop_tools(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    async with Client(relay_server(db)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["get_order"].annotations.read_only_hint is True
        assert tools["issue_refund"].annotations.destructive_hint is True
        assert tools["create_return"].input_schema["required"] == [
            "order_id",
            "product_id",
            "reason",
        ]

        order = await client.call_tool("get_order", {"order_id": "O-5002"})
        assert not order.is_error
        assert order.structured_content["result"]["items"][0]["product_id"] == "P-101"

        # Another customer's order: the tool's guard refuses it, as inside relay.
        theirs = await client.call_tool("get_order", {"order_id": "O-5003"})
        assert theirs.is_error and "belongs to another customer" in theirs.content[0].text

        bad = await client.call_tool("get_order", {"order_id": "5002"})
        assert bad.is_error and "order_id" in bad.content[0].text

        key = {"relay/idempotency-key": "client-retry-1"}
        arguments = {"order_id": "O-5002", "product_id": "P-101", "reason": "too small"}
        first = await client.call_tool("create_return", arguments, meta=key)
        again = await client.call_tool("create_return", arguments, meta=key)
        assert json.loads(again.content[0].text)["replayed"] is True
        assert first.structured_content == again.structured_content

        refund = await client.call_tool("issue_refund", {"return_id": "R-7001", "amount": 79})
        assert refund.is_error and "needs a human approval" in refund.content[0].text

    db_conn = connect(db)
    try:
        assert db_conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0] == 1
        assert db_conn.execute("SELECT COUNT(*) FROM refunds").fetchone()[0] == 0
    finally:
        db_conn.close()


async def test_one_agents_tools_only(tmp_path: Path) -> None:
    async with Client(relay_server(tmp_path / "shop.db", "--agent", "catalog")) as client:
        names = sorted(t.name for t in (await client.list_tools()).tools)
    assert names == ["find_similar_products", "get_product_details", "search_products"]
