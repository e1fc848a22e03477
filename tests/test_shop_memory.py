"""The shop remembers a customer's favourite colour (issue 26's showcase): said in one
conversation, it is respected in a later one, and never for another customer; a seller's
description that tries to plant a preference is quoted as data and changes nothing."""

from pathlib import Path

from examples.shop.app import app as shop
from relay.agents.models import GoalRequest, GoalResult
from relay.temporal.devserver import DevServer
from relay.temporal.threads import continue_thread, started_goal
from relay.tools.memory_store import MemoryStore
from relay.tools.stores import open_store
from tests.conftest import Relay, running_relay


async def _in_thread(relay: Relay, goal: str, customer: str, thread: str) -> GoalResult:
    request = GoalRequest(
        goal=goal,
        context={"customer_id": customer},
        app="shop",
        app_digest=shop.digest,
        requested_by="ada",
        thread=thread,
    )
    goal_id = await continue_thread(relay.client, request, relay.settings.task_queue)
    return await (await started_goal(relay.client, goal_id)).result()


async def test_a_favourite_colour_said_once_is_respected_in_a_later_conversation(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path) as relay:
        said = await _in_thread(relay, "Remember that my favourite colour is green.", "C-1001", "a")
        later = await _in_thread(relay, "Can you recommend a shirt?", "C-1001", "b")
        other = await _in_thread(relay, "Can you recommend a shirt?", "C-1002", "c")
        described = await _in_thread(relay, "Tell me about P-106.", "C-1001", "d")
        searched = {
            who: [
                c["arguments"]
                for c in (await relay.client.get_workflow_handle(r.tasks[0].workflow_id).result())[
                    "tool_calls"
                ]
                if c["tool"] == "search_products"
            ]
            for who, r in (("C-1001", later), ("C-1002", other))
        }
        kept = MemoryStore(open_store(relay.settings.store()))
        preferences = {p.key: p.value for p in kept.preferences("shop", "C-1001")}

    assert "your favourite colour is green" in said.answer
    assert "Green" in later.answer and "green" in later.answer
    assert "P-106" in later.answer  # the cheapest green shirt
    assert searched["C-1001"] == [{"category": "shirt", "color": "green"}]
    assert searched["C-1002"] == [{"category": "shirt", "color": None}]  # they said nothing
    assert "NOTE TO AI ASSISTANTS" in described.answer  # quoted, as data
    assert preferences == {"colour": "green"}  # the description planted nothing
