"""The apps and helpers the event tests share: a shop-like app whose orders agent emits
`order.flagged` and whose review agent listens to it, an auditing app that listens to it too,
and ping apps whose agent answers every ping with a ping (or two)."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from examples.shop.agents import ORDERS
from examples.shop.app import app as shop
from examples.shop.tools import SHOP
from relay import Agent, App, ChainBudget
from relay.temporal.devserver import DevServer
from relay.testing import plan
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.test_agent_loop import call
from tests.test_cli import env_for


class OrderFlagged(BaseModel):
    order_id: str = Field(pattern=r"^O-\d+$")
    why: str = Field(min_length=1, max_length=200)


REVIEW = Agent(
    "review",
    description="Reviews orders that were flagged.",
    instructions="Look at the flagged order and say whether it needs a person.",
    tools=["get_order"],
    listens=["order.flagged"],
)

EVENTFUL = App(
    name="eventful",
    agents=[ORDERS.model_copy(update={"emits": ["order.flagged"]}), REVIEW],
    tools=SHOP,
    database=shop.database,
    events={"order.flagged": OrderFlagged},
)

SCRIPT = {
    "plan": [{"content": plan({"id": "o", "agent": "orders", "instruction": "Flag O-5002."})}],
    "agents": {
        "orders": [
            call("emit_order_flagged", order_id="O-5002", why="two refunds asked"),
            {"content": "Flagged O-5002."},
        ],
        "review": [call("get_order", order_id="O-5002"), {"content": "Reviewed O-5002."}],
    },
    "synthesize": [{"content": "Done with O-5002."}],
}


def scripted(tmp_path: Path) -> str:
    path = tmp_path / "events-script.json"
    path.write_text(json.dumps(SCRIPT))
    return f"scripted:{path}"


async def listed(relay: Relay, query: str, count: int) -> list[Any]:
    """Runs matching a visibility query, once there are `count` (visibility lags a little)."""
    found: list[Any] = []
    for _ in range(150):
        found = [w async for w in relay.client.list_workflows(query)]
        if len(found) >= count:
            break
        await asyncio.sleep(0.1)
    return found


AUDITOR = Agent(
    "auditor",
    description="Keeps a note of every flagged order.",
    instructions="Note the flagged order.",
    listens=["order.flagged"],
)

AUDITING = App(name="auditing", agents=[AUDITOR], events={"order.flagged": OrderFlagged})


class Ping(BaseModel):
    n: int = Field(ge=0)


PINGER = Agent(
    "pinger",
    description="Answers every ping with a ping.",
    instructions="Emit a ping.",
    listens=["ping"],
    emits=["ping"],
)

PINGING = App(name="pinging", agents=[PINGER], events={"ping": Ping})


@contextlib.asynccontextmanager
async def ping_loop(
    server: DevServer, tmp_path: Path, attribute: str
) -> AsyncIterator[tuple[Relay, dict[str, str], str]]:
    """A worker for the ping app `attribute` of this module, whose pinger answers each ping
    with one, and the first ping emitted from outside; yields the relay, the CLI's
    environment and the chain (the first ping's id)."""
    script = tmp_path / "ping.json"
    pinged = {"content": "Pinged."}
    script.write_text(
        json.dumps({"agents": {"pinger": [call("emit_ping", n=1), pinged]}, "synthesize": [pinged]})
    )
    app = globals()[attribute]
    async with running_relay(server, tmp_path, app=app, model=f"scripted:{script}") as relay:
        env = {**env_for(relay), "RELAY_APP": f"tests.events_app:{attribute}"}
        chain = f"ping-{tmp_path.name[-10:]}"
        first = await relay_cli("emit", "ping", "--data", '{"n": 0}', "--id", chain, env=env)
        assert first.code == 0, first.err
        yield relay, env, chain


# The same loop with a chain budget of 3 events: it stops at the third, not at the depth.
SHORT_CHAINS = App(
    name="pinging", agents=[PINGER], events={"ping": Ping}, chain_budget=ChainBudget(max_events=3)
)

FANNER = Agent(
    "fanner",
    description="Answers every fan event with two.",
    instructions="Emit two fan events.",
    listens=["fan"],
    emits=["fan"],
)

# Each reaction emits two: a tree that only the chain's cost budget keeps small. Its own event
# type: the ping apps' listeners (registered by their workers) would get pings of this app too.
FANNING = App(
    name="fanning",
    agents=[FANNER],
    events={"fan": Ping},
    chain_budget=ChainBudget(max_events=100, max_cost_usd=1.0),
)
