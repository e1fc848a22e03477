"""Tools that exist only for tests: nested arguments, failures of each class, a hang.

`TEST_APP` is the shop with these tools granted to its orders agent.
"""

import threading
import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from examples.shop.agents import ORDERS
from examples.shop.app import app as shop_app
from examples.shop.tools import SHOP
from relay import App, ToolBusinessError, ToolContext, ToolPermanentError, ToolRetry, ToolSet

TEST_TOOLS = ToolSet(SHOP)
CALLS: dict[str, int] = {}  # handler runs per tool, across attempts (the worker is in-process)


def _ran(name: str) -> int:
    CALLS[name] = CALLS.get(name, 0) + 1
    return CALLS[name]


class Address(BaseModel):
    street: str = Field(min_length=1)
    postcode: str = Field(pattern=r"^\d{5}$")


class Parcel(BaseModel):
    sku: str = Field(pattern=r"^P-\d+$")
    quantity: int = Field(ge=1, le=10)


class ShipmentArgs(BaseModel):
    order_id: str = Field(pattern=r"^O-\d+$")
    address: Address
    parcels: list[Parcel] = Field(min_length=1)
    speed: Literal["standard", "express"] = "standard"


@TEST_TOOLS.tool(args=ShipmentArgs, risk="write")
def plan_shipment(args: ShipmentArgs, ctx: ToolContext) -> dict[str, Any]:
    """Plan a shipment of parcels to an address."""
    _ran("plan_shipment")
    return {"order_id": args.order_id, "parcels": len(args.parcels), "to": args.address.postcode}


class NoArgs(BaseModel):
    pass


@TEST_TOOLS.tool(args=NoArgs, risk="read", timeout_seconds=1, retry=ToolRetry(max_attempts=2))
def hang_forever(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Never answers."""
    _ran("hang_forever")
    time.sleep(3600)  # a daemon thread: it dies with the test process
    return {}


@TEST_TOOLS.tool(
    args=NoArgs,
    risk="read",
    timeout_seconds=60,
    heartbeat_seconds=0.5,
    retry=ToolRetry(max_attempts=1),
)
def fall_silent(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Heartbeats twice, then hangs without a word."""
    _ran("fall_silent")
    for _ in range(2):
        ctx.heartbeat("working")
        time.sleep(0.1)
    time.sleep(3600)  # a daemon thread: it dies with the test process
    return {}


@TEST_TOOLS.tool(
    args=NoArgs, risk="read", retry=ToolRetry(max_attempts=3, initial_interval_seconds=0.1)
)
def flaky_inventory(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Fails once with a transient error, then answers."""
    if _ran("flaky_inventory") == 1:
        raise ConnectionError("inventory service reset the connection")
    return {"in_stock": 3}


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def broken_carrier(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Always fails permanently."""
    _ran("broken_carrier")
    raise ToolPermanentError("the carrier account is suspended")


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def closed_warehouse(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """A business outcome the model should hear about."""
    raise ToolBusinessError("the warehouse is closed on Sundays")


@TEST_TOOLS.tool(args=NoArgs, risk="write", timeout_seconds=30)
def slow_booking(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Books a courier; takes a few seconds. A side effect: the ledger keeps it to one."""
    _ran("slow_booking")
    time.sleep(3)
    return {"booking": "B-1001"}


class CourierArgs(BaseModel):
    order_id: str = Field(pattern=r"^O-\d+$")


@TEST_TOOLS.tool(args=CourierArgs, risk="write", retry=ToolRetry(max_attempts=1))
def book_courier_once(args: CourierArgs, ctx: ToolContext) -> dict[str, Any]:
    """Books a courier for an order, in the shop's database; never retried (one attempt)."""
    ctx.db.execute("CREATE TABLE IF NOT EXISTS couriers (order_id TEXT NOT NULL)")
    ctx.db.execute("INSERT INTO couriers (order_id) VALUES (?)", (args.order_id,))
    return {"courier_for": args.order_id}


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def where_am_i(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Says which thread and database connection served the call."""
    ctx.db.execute("SELECT 1").fetchone()
    return {"thread": threading.get_ident(), "connection": id(ctx.db)}


@TEST_TOOLS.tool(args=NoArgs, risk="write")
def where_do_i_write(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Says which thread and database connection served a write."""
    ctx.db.execute("SELECT 1").fetchone()
    return {"thread": threading.get_ident(), "connection": id(ctx.db)}


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def loud_refusal(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Refuses with a business error far longer than history should hold."""
    raise ToolBusinessError("refused: " + "x" * 600_000)


@TEST_TOOLS.tool(
    args=NoArgs, risk="read", retry=ToolRetry(max_attempts=2, initial_interval_seconds=0.1)
)
def loud_crash(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Fails (transiently) with an exception text far longer than history should hold."""
    raise RuntimeError("upstream said: " + "y" * 600_000)


# Strings that must never appear in plaintext in history or logs when encryption is on.
CANARY_RESULT = "canary-result-8c1f2e"
CANARY_FAILURE = "canary-failure-3b7d90"


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def secret_note(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Returns a private note."""
    return {"note": f"the code is {CANARY_RESULT}"}


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def secret_failure(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Fails with a private detail in its message."""
    raise ToolPermanentError(f"vault rejected {CANARY_FAILURE}")


@TEST_TOOLS.tool(args=NoArgs, risk="read")
def full_export(args: NoArgs, ctx: ToolContext) -> dict[str, Any]:
    """Exports everything: a result far larger than history should hold."""
    return {"rows": [f"row {n:06d} " + "x" * 90 for n in range(5000)]}


TEST_ORDERS = ORDERS.model_copy(
    update={
        "tools": [
            *ORDERS.tools,
            "plan_shipment",
            "hang_forever",
            "fall_silent",
            "flaky_inventory",
            "broken_carrier",
            "closed_warehouse",
            "secret_note",
            "secret_failure",
            "full_export",
            "slow_booking",
            "book_courier_once",
            "where_am_i",
            "where_do_i_write",
            "loud_refusal",
            "loud_crash",
        ]
    }
)


def shop_with(*agents: Any, tools: ToolSet = TEST_TOOLS) -> App:
    """The shop app with these agents in place of its own of the same name."""
    replaced = {a.name: a for a in agents}
    return App(
        "shop",
        agents=[replaced.get(name, spec) for name, spec in shop_app.agents.items()],
        tools=tools,
        routes=shop_app.routes,
        database=shop_app.database,
        model=shop_app.model,
        scripted=shop_app.scripted,
        demo=shop_app.demo,
        memory=shop_app.memory,
    )


TEST_APP = shop_with(TEST_ORDERS)
