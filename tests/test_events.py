"""Events between agents, on a real dev server and worker: an event from outside (`relay emit`,
`POST /events`) or from an agent's `emit_<type>` tool is delivered once to every agent that
listens to its type, each as an ordinary goal; a repeated event id is the same event, also
through a killed worker and a restarted server."""

import asyncio
import json
import signal
from pathlib import Path

import httpx
import pytest
from temporalio.service import RPCError

from examples.shop.agents import ORDERS
from examples.shop.tools import SHOP
from relay import App
from relay.agents.events import Event, EventOutcome
from relay.app import AppError
from relay.client.replay import replay_workflow
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer
from relay.temporal.events import start_event
from tests.cli_runner import relay_cli
from tests.conftest import relay_settings, running_relay
from tests.events_app import (
    EVENTFUL,
    REVIEW,
    OrderFlagged,
    listed,
    scripted,
)
from tests.reliability import Describe
from tests.serve_process import bearer, serve_process
from tests.test_cli import env_for
from tests.test_server_faults import RestartableServer
from tests.worker_process import worker_process


async def test_an_event_from_outside_is_delivered_once_to_each_listener(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(
        temporal_server, tmp_path, app=EVENTFUL, model=scripted(tmp_path)
    ) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.events_app:EVENTFUL"}
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
        env = {**env_for(relay), "RELAY_APP": "tests.events_app:EVENTFUL"}
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


async def test_a_person_emits_over_http_in_their_own_id_space(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        running_relay(temporal_server, tmp_path, app=EVENTFUL, model=scripted(tmp_path)) as relay,
        serve_process(relay, tmp_path / "serve.log", RELAY_APP="tests.events_app:EVENTFUL") as url,
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
    worker_env = {"RELAY_APP": "tests.events_app:EVENTFUL"}
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
