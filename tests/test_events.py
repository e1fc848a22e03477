"""Events between agents, on a real dev server and worker: an event from outside (`relay emit`)
or from an agent's `emit_<type>` tool is delivered once to every agent that listens to its
type, each as an ordinary goal; a repeated event id is the same event."""

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field
from temporalio.service import RPCError

from examples.shop.agents import ORDERS
from examples.shop.app import app as shop
from examples.shop.tools import SHOP
from relay import Agent, App
from relay.agents.events import MAX_CHAIN_DEPTH, Event, EventOutcome
from relay.agents.models import GoalResult
from relay.app import AppError
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer
from relay.temporal.events import start_event
from relay.temporal.replay import replay_workflow
from relay.testing import plan
from tests.cli_runner import relay_cli
from tests.conftest import Relay, relay_settings, running_relay
from tests.reliability import Describe
from tests.serve_process import bearer, serve_process
from tests.test_agent_loop import call
from tests.test_cli import env_for
from tests.test_server_faults import RestartableServer
from tests.worker_process import worker_process


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


async def test_an_event_from_outside_is_delivered_once_to_each_listener(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(
        temporal_server, tmp_path, app=EVENTFUL, model=scripted(tmp_path)
    ) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.test_events:EVENTFUL"}
        data = json.dumps({"order_id": "O-5002", "why": "two refunds asked"})
        args = ("emit", "order.flagged", "--data", data, "--id", "ev-1", "--context")
        first = await relay_cli(*args, "customer_id=C-1001", "--wait", env=env)
        assert first.code == 0, first.err
        assert "event ev-1 (order.flagged) emitted · event/eventful/ev-1" in first.out
        assert "eventful.review: completed · event/eventful/ev-1/eventful.review" in first.out

        again = await relay_cli(*args, "customer_id=C-1001", env=env)
        assert "already emitted: the same event, delivered once" in again.out
        goals = "WorkflowType = 'SupervisorWorkflow' AND WorkflowId STARTS_WITH 'event/eventful/"
        reactions = await listed(relay, goals + "ev-1/'", 1)
        goal = await relay.client.get_workflow_handle(
            "event/eventful/ev-1/eventful.review"
        ).result()
        replays = [
            await replay_workflow(relay.client, run)
            for run in ("event/eventful/ev-1", "event/eventful/ev-1/eventful.review")
        ]

    assert [w.id for w in reactions] == ["event/eventful/ev-1/eventful.review"]
    assert goal["status"] == "completed" and goal["tasks"][0]["agent"] == "review"
    assert replays == [None, None]


async def test_an_agents_event_makes_another_agent_react(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(
        temporal_server, tmp_path, app=EVENTFUL, model=scripted(tmp_path)
    ) as relay:
        handle = await relay.start(goal="Flag O-5002: two refunds asked.", app="eventful")
        result = await handle.result()
        ours = f"WorkflowType = 'EventWorkflow' AND TaskQueue = '{relay.settings.task_queue}'"
        [event_run] = await listed(relay, ours, 1)
        outcome = await relay.client.get_workflow_handle(
            event_run.id, result_type=EventOutcome
        ).result()

    assert result.status == "completed"
    [task] = result.tasks
    assert (outcome.event.type, outcome.event.emitted_by) == ("order.flagged", task.workflow_id)
    assert outcome.event.data == {"order_id": "O-5002", "why": "two refunds asked"}
    assert outcome.event.context == {"customer_id": "C-1001"}  # the emitting goal's
    assert [(d.agent, d.status) for d in outcome.deliveries] == [("review", "completed")]


async def test_bad_events_are_refused_in_one_line(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=EVENTFUL) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.test_events:EVENTFUL"}
        cases = {
            ("emit", "order.lost"): "app 'eventful' has no event type 'order.lost'; "
            "it has: order.flagged",
            ("emit", "order.flagged", "--data", "{oops"): "--data is not JSON",
            ("emit", "order.flagged", "--data", '{"order_id": "5002", "why": "x"}'): (
                "order_id: String should match pattern"
            ),
        }
        for args, said in cases.items():
            outcome = await relay_cli(*args, env=env)
            assert outcome.code == 1, (args, outcome.out)
            lines = outcome.err.strip().splitlines()
            assert len(lines) == 1 and said in lines[0], (args, lines)


def test_events_an_app_does_not_declare_are_refused_at_definition() -> None:
    with pytest.raises(AppError, match=r"names events app 'bad' does not declare"):
        App(name="bad", agents=[REVIEW], tools=SHOP)
    with pytest.raises(AppError, match=r"are not like incident\.opened"):
        App(name="bad", agents=[ORDERS], tools=SHOP, events={"Order Flagged": OrderFlagged})


async def test_a_failed_delivery_waits_as_a_dead_letter_until_retried(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    route = scripted(tmp_path)
    failing = {**SCRIPT, "agents": {"review": [call("get_order", order_id="O-9999")]}}
    Path(route.removeprefix("scripted:")).write_text(json.dumps(failing))
    async with running_relay(temporal_server, tmp_path, app=EVENTFUL, model=route) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.test_events:EVENTFUL"}
        event_id = f"ev-{tmp_path.name[-12:]}"
        data = json.dumps({"order_id": "O-5002", "why": "odd"})
        emitted = await relay_cli(
            "emit", "order.flagged", "--data", data, "--id", event_id, "--context",
            "customer_id=C-1001", env=env,
        )  # fmt: skip
        assert emitted.code == 0, emitted.err
        ours = (
            f"WorkflowType = 'EventWorkflow' AND RelayStatus = 'dead_letter' "
            f"AND TaskQueue = '{relay.settings.task_queue}'"
        )
        await listed(relay, ours, 1)  # the review goal failed (its call loops): parked
        dead = await relay_cli("events", "dead", env=env)
        assert f"{event_id} (order.flagged, from outside:" in dead.out
        assert f"eventful.review: failed · event/eventful/{event_id}/eventful.review" in dead.out

        Path(route.removeprefix("scripted:")).write_text(json.dumps(SCRIPT))  # fixed
        retried = await relay_cli("events", "retry", event_id, env=env)
        assert retried.out.strip() == f"event {event_id}: redelivering to eventful.review"
        handle = relay.client.get_workflow_handle(
            f"event/eventful/{event_id}", result_type=EventOutcome
        )
        outcome = await handle.result()
        again = await relay_cli("events", "retry", event_id, env=env)
        replayed = await replay_workflow(relay.client, handle.id)

    assert [(d.agent, d.status) for d in outcome.deliveries] == [
        ("review", "failed"),
        ("review", "completed"),
    ]
    assert (
        outcome.deliveries[1].workflow_id.endswith("/eventful.review-retry-1")
        and outcome.dead == []
    )
    assert again.code == 1 and f"event {event_id!r} is not a dead letter" in again.err
    assert replayed is None


AUDITOR = Agent(
    "auditor",
    description="Keeps a note of every flagged order.",
    instructions="Note the flagged order.",
    listens=["order.flagged"],
)
AUDITING = App(name="auditing", agents=[AUDITOR], events={"order.flagged": OrderFlagged})


async def test_a_listener_added_later_gets_the_events_emitted_after_it_started(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """A new app with its own worker and task queue starts listening to order.flagged; the
    shop's configuration and code do not change."""
    auditor_script = tmp_path / "auditor.json"
    noted = {"content": "Noted O-5002."}
    auditor_script.write_text(json.dumps({"agents": {"auditor": [noted]}, "synthesize": [noted]}))
    async with running_relay(
        temporal_server, tmp_path / "eventful", app=EVENTFUL, model=scripted(tmp_path)
    ) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.test_events:EVENTFUL"}
        data = json.dumps({"order_id": "O-5002", "why": "odd"})
        suffix = tmp_path.name[-10:]

        async def emitted(event_id: str) -> list[str]:
            outcome = await relay_cli(
                "emit", "order.flagged", "--data", data, "--id", event_id, "--context",
                "customer_id=C-1001", "--wait", env=env,
            )  # fmt: skip
            assert outcome.code == 0, outcome.err
            return sorted(line.split(" · ")[0].strip() for line in outcome.out.splitlines()[1:])

        before = await emitted(f"before-{suffix}")
        async with running_relay(
            temporal_server,
            tmp_path / "auditing",
            app=AUDITING,
            model=f"scripted:{auditor_script}",
        ) as auditing:
            after = await emitted(f"after-{suffix}")
            assert auditing.settings.task_queue != relay.settings.task_queue
        subscription = "subscription/auditing/auditor"
        replayed = await replay_workflow(relay.client, subscription)
        # The auditing app is retired: its subscription goes with it (its lease would end it).
        await relay.client.get_workflow_handle(subscription).terminate()

    assert replayed is None
    assert before == ["eventful.review: completed"]
    assert after == ["auditing.auditor: completed", "eventful.review: completed"]


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


async def test_an_event_loop_stops_at_the_chains_depth_and_shows_as_one_chain(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    script = tmp_path / "ping.json"
    pinged = {"content": "Pinged."}
    script.write_text(
        json.dumps({"agents": {"pinger": [call("emit_ping", n=1), pinged]}, "synthesize": [pinged]})
    )
    async with running_relay(
        temporal_server, tmp_path, app=PINGING, model=f"scripted:{script}"
    ) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.test_events:PINGING"}
        chain = f"ping-{tmp_path.name[-10:]}"
        first = await relay_cli("emit", "ping", "--data", '{"n": 0}', "--id", chain, env=env)
        assert first.code == 0, first.err
        ours = f"WorkflowType = 'EventWorkflow' AND RelayChain = '{chain}'"
        done = f"{ours} AND ExecutionStatus = 'Completed'"
        events = await listed(relay, done, MAX_CHAIN_DEPTH)
        await asyncio.sleep(1)  # a sixth event would have started by now: none may
        every = [run async for run in relay.client.list_workflows(ours)]
        shown = await relay_cli("status", chain, env=env)
        assert len(events) == MAX_CHAIN_DEPTH
        last = sorted(every, key=lambda run: run.start_time)[-1]
        outcome = await relay.client.get_workflow_handle(last.id, result_type=EventOutcome).result()
        goal = await relay.client.get_workflow_handle(
            outcome.deliveries[0].workflow_id, result_type=GoalResult
        ).result()
        reaction = await relay.client.get_workflow_handle(goal.tasks[0].workflow_id).result()

    assert len(every) == MAX_CHAIN_DEPTH  # depths 0 to 4; the reaction at depth 4 could not emit
    assert outcome.event.depth == MAX_CHAIN_DEPTH - 1
    [refused] = [c for c in reaction["tool_calls"] if c["tool"] == "emit_ping"]
    assert refused["outcome"] == "refused"
    assert f"the event chain {chain} is 5 events deep" in refused["detail"]
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0].startswith(f"chain {chain} · 5 event(s)")
    assert lines[1].startswith(f"event {chain} · ping · from outside:")
    assert lines[2].strip().startswith("└── pinging.pinger · completed")
    assert lines[3].startswith("  event pinger-")  # one deeper, emitted by the reaction


async def test_a_person_emits_over_http_in_their_own_id_space(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        running_relay(temporal_server, tmp_path, app=EVENTFUL, model=scripted(tmp_path)) as relay,
        serve_process(relay, tmp_path / "serve.log", RELAY_APP="tests.test_events:EVENTFUL") as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        body = {
            "type": "order.flagged",
            "data": {"order_id": "O-5002", "why": "odd"},
            "context": {"customer_id": "C-1001"},
            "id": "flag-1",
        }
        first = await http.post("/events", json=body, headers=bearer("ada"))
        again = await http.post("/events", json=body, headers=bearer("ada"))
        bobs = await http.post("/events", json=body, headers=bearer("bob"))
        fiona = await http.post("/events", json=body, headers=bearer("fiona"))
        bad = await http.post(
            "/events", json={**body, "data": {"order_id": "5002"}}, headers=bearer("ada")
        )
        outcome = await relay.client.get_workflow_handle(
            first.json()["workflow_id"], result_type=EventOutcome
        ).result()

    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json() == {**first.json(), "created": False}
    assert bobs.status_code == 201 and bobs.json()["id"] != first.json()["id"]  # bob's own id
    assert fiona.status_code == 403 and "role requester" in fiona.json()["error"]
    assert bad.status_code == 422 and "order_id" in bad.json()["error"]
    assert outcome.event.emitted_by == "outside:ada"
    assert [(d.agent, d.status) for d in outcome.deliveries] == [("review", "completed")]


@pytest.mark.faults
async def test_an_event_is_delivered_once_through_a_killed_worker_and_a_restarted_server(
    reliability: Describe, tmp_path: Path
) -> None:
    case = reliability(
        "worker SIGKILL between emit and delivery, then a server restart",
        "an event emitted with no worker; a `relay worker` process SIGKILLed as soon as the "
        "reaction's goal exists; the dev server SIGKILLed and restarted on its SQLite file",
        "a new worker finishes the delivery: one reaction goal, completed, one delivery",
    )
    server = RestartableServer(tmp_path)
    route = scripted(tmp_path)
    settings = relay_settings(server.current, tmp_path, model=route)
    worker_env = {"RELAY_APP": "tests.test_events:EVENTFUL"}
    log = tmp_path / "workers.log"
    try:
        client = await connect_client(settings, wait_seconds=30)
        event = Event(
            type="order.flagged",
            id="once-1",
            app="eventful",
            data={"order_id": "O-5002", "why": "odd"},
            emitted_by="outside:test",
            context={"customer_id": "C-1001"},
        )
        assert await start_event(client, event, settings.queue_for("eventful"))
        reaction = "event/eventful/once-1/eventful.review"
        async with worker_process(settings, log, **worker_env) as first:
            for _ in range(300):  # until the delivery has started its goal
                try:
                    await client.get_workflow_handle(reaction).describe()
                    break
                except RPCError:
                    await asyncio.sleep(0.05)
            first.send_signal(signal.SIGKILL)
            case.fault_injected()
        server.kill()
        server.restart()
        client = await connect_client(settings, wait_seconds=60)
        async with worker_process(settings, log, **worker_env):
            outcome = await client.get_workflow_handle(
                "event/eventful/once-1", result_type=EventOutcome
            ).result()
            goals = [
                w.id
                async for w in client.list_workflows(
                    "WorkflowType = 'SupervisorWorkflow' AND "
                    "WorkflowId STARTS_WITH 'event/eventful/once-1/'"
                )
            ]
        case.recovered()
    finally:
        server.stop()

    assert [(d.agent, d.status) for d in outcome.deliveries] == [("review", "completed")]
    assert goals == [reaction]
