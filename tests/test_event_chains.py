"""Events over time: a failed delivery parked as a dead letter until retried, a listener of
another app added later, and a loop between agents stopped at the chain's depth and shown as
one chain (`relay status CHAIN`)."""

import asyncio
import json
from pathlib import Path

from relay.agents.events import MAX_CHAIN_DEPTH, EventOutcome
from relay.agents.models import GoalResult
from relay.client.replay import replay_workflow
from relay.temporal.devserver import DevServer
from tests.cli_runner import relay_cli
from tests.conftest import running_relay
from tests.events_app import (
    AUDITING,
    EVENTFUL,
    SCRIPT,
    listed,
    ping_loop,
    scripted,
)
from tests.test_agent_loop import call
from tests.test_cli import env_for


async def test_a_failed_delivery_waits_as_a_dead_letter_until_retried(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    route = scripted(tmp_path)
    failing = {**SCRIPT, "agents": {"review": [call("get_order", order_id="O-9999")]}}
    Path(route.removeprefix("scripted:")).write_text(json.dumps(failing))
    async with running_relay(temporal_server, tmp_path, app=EVENTFUL, model=route) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.events_app:EVENTFUL"}
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
        env = {**env_for(relay), "RELAY_APP": "tests.events_app:EVENTFUL"}
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


async def test_an_event_loop_stops_at_the_chains_depth_and_shows_as_one_chain(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with ping_loop(temporal_server, tmp_path, "PINGING") as (relay, env, chain):
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
    assert lines[1] == "budget: 5 of 20 events, $0.0000 of $5.00 spent"  # the app's default
    assert lines[2].startswith(f"event {chain} · ping · from outside:")
    assert lines[3].strip().startswith("└── pinging.pinger · completed")
    assert lines[4].startswith("  event pinger-")  # one deeper, emitted by the reaction
