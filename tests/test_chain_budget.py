"""A chain of events' budget (ChainWorkflow): an emit loop stopped at the chain's most events,
a fan-out stopped by its cost (each reaction capped at its grant), both shown by `relay status
CHAIN`, and the ledger's arithmetic."""

import asyncio
import json
from pathlib import Path

import pytest
from temporalio.service import RPCError

from relay.agents.causes import EventCause
from relay.agents.chains import Admission, ChainBudget, ChainState, Settlement, chain_workflow_id
from relay.agents.events import EventOutcome
from relay.agents.models import Budget, GoalResult
from relay.client.replay import replay_workflow
from relay.temporal.devserver import DevServer
from relay.workflows.budget import capped
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.events_app import FANNING, listed, ping_loop
from tests.test_agent_loop import call
from tests.test_cli import env_for


def test_the_ledger_grants_shares_counts_events_and_answers_a_retry_alike() -> None:
    ledger = ChainState(app="a", chain="c", budget=ChainBudget(max_events=3, max_cost_usd=1.0))
    first = ledger.admit("e1")
    assert first == Admission(admitted=True, grant_usd=0.2)  # a fifth: the most depth
    assert ledger.admit("e1") == first and ledger.events == ["e1"]  # a retried emit
    ledger.settle(Settlement(event_id="e1", spent_usd=0.05))
    ledger.settle(Settlement(event_id="e1", spent_usd=0.05))  # settled once
    assert ledger.spent_usd == 0.05 and ledger.open == {}
    ledger.admit("e2")
    ledger.admit("e3")
    refused = ledger.admit("e4")
    assert not refused.admitted and refused.reason == "the event chain c has used its 3 events"
    assert ledger.summary() == (
        "3 of 3 events, $0.0500 of $1.00 spent, 1 emit(s) refused, "
        "$0.4000 granted to 2 open event(s)"
    )


def test_a_chain_whose_cost_is_granted_refuses_until_reactions_settle() -> None:
    ledger = ChainState(app="a", chain="c", budget=ChainBudget(max_cost_usd=1.0))
    for n in range(5):
        assert ledger.admit(f"e{n}").grant_usd == pytest.approx(0.2)
    refused = ledger.admit("e5")
    assert refused.reason == "the event chain c has spent or granted its $1.00 budget"
    ledger.settle(Settlement(event_id="e0", spent_usd=0.15))
    assert ledger.admit("e6").grant_usd == pytest.approx(0.05)  # what is left, not a share
    assert ledger.admit("e5") == refused  # the same answer as before


def test_a_reactions_budget_never_exceeds_its_grant() -> None:
    cause = EventCause(event_id="e", type="t", emitted_by="x", chain="c", depth=1)
    budget = Budget(max_cost_usd=5.0)
    assert capped(budget, None) == budget == capped(budget, cause)
    granted = cause.model_copy(update={"max_cost_usd": 0.25})
    assert capped(budget, granted).max_cost_usd == 0.25
    assert capped(Budget(), granted).max_cost_usd == 0.25
    assert capped(Budget(max_cost_usd=0.1), granted).max_cost_usd == 0.1


async def _ledger(relay: Relay, app: str, chain: str) -> tuple[str, ChainState]:
    """The chain's ledger once it ended: its workflow starts with the first event's
    admission, and ends once every admitted event settled."""
    handle = relay.client.get_workflow_handle(chain_workflow_id(app, chain), result_type=ChainState)
    for _ in range(150):
        try:
            await handle.describe()
            break
        except RPCError:
            await asyncio.sleep(0.1)
    return handle.id, await handle.result()


async def _outcomes(relay: Relay, chain: str, count: int) -> list[EventOutcome]:
    query = f"WorkflowType = 'EventWorkflow' AND RelayChain = '{chain}'"
    done = f"{query} AND ExecutionStatus = 'Completed'"
    runs = await listed(relay, done, count)
    return [
        await relay.client.get_workflow_handle(run.id, result_type=EventOutcome).result()
        for run in runs
    ]


async def test_the_chains_event_budget_stops_an_emit_loop(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with ping_loop(temporal_server, tmp_path, "SHORT_CHAINS") as (relay, env, chain):
        ledger_id, ledger = await _ledger(relay, "pinging", chain)
        outcomes = await _outcomes(relay, chain, 3)
        last = max(outcomes, key=lambda outcome: outcome.event.depth)
        goal = await relay.client.get_workflow_handle(
            last.deliveries[0].workflow_id, result_type=GoalResult
        ).result()
        reaction = await relay.client.get_workflow_handle(goal.tasks[0].workflow_id).result()
        shown = await relay_cli("status", chain, env=env)
        every = await listed(relay, f"RelayChain = '{chain}'", 10)
        replayed = [await replay_workflow(relay.client, ledger_id)] + [
            await replay_workflow(relay.client, f"event/pinging/{o.event.id}") for o in outcomes
        ]

    assert len(ledger.events) == 3 and ledger.events[0] == chain and ledger.refusals == 1
    assert sorted(o.event.depth for o in outcomes) == [0, 1, 2]  # stopped before the depth
    [refused] = [c for c in reaction["tool_calls"] if c["tool"] == "emit_ping"]
    assert refused["outcome"] == "refused"
    assert refused["detail"] == f"not emitted: the event chain {chain} has used its 3 events"
    lines = shown.out.splitlines()
    assert lines[1] == "budget: 3 of 3 events, $0.0000 of $5.00 spent, 1 emit(s) refused"
    assert lines[-1].startswith("refused emit pinger-")
    assert lines[-1].endswith(f": the event chain {chain} has used its 3 events")
    assert replayed == [None] * 4
    # One query finds every run of the chain: its ledger, each event, reaction and agent run.
    kinds = sorted(run.workflow_type for run in every)
    assert (
        kinds
        == ["AgentWorkflow"] * 3
        + ["ChainWorkflow"]
        + ["EventWorkflow"] * 3
        + ["SupervisorWorkflow"] * 3
    )


async def test_the_chains_cost_budget_stops_a_fan_out(
    temporal_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "fan.json"
    pinged = {"content": "Pinged twice."}
    twice = [call("emit_fan", n=1), call("emit_fan", n=2), pinged]
    script.write_text(json.dumps({"agents": {"fanner": twice}, "synthesize": [pinged]}))
    route = f"scripted:{script}"
    # A price that makes a reaction cost about a quarter of its event's grant ($0.20): the
    # chain refuses emits once the grants of open events and what settled reach $1.
    monkeypatch.setenv("RELAY_PRICES", json.dumps({route: [COST_PER_MTOK, COST_PER_MTOK]}))
    async with running_relay(temporal_server, tmp_path, app=FANNING, model=route) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.events_app:FANNING"}
        chain = f"fan-{tmp_path.name[-10:]}"
        first = await relay_cli("emit", "fan", "--data", '{"n": 0}', "--id", chain, env=env)
        assert first.code == 0, first.err
        _, ledger = await _ledger(relay, "fanning", chain)
        outcomes = await _outcomes(relay, chain, len(ledger.events))
        shown = await relay_cli("status", chain, env=env)

    costs = [d.cost_usd for o in outcomes for d in o.deliveries]
    assert all(cost is not None and 0 < cost <= 0.2 for cost in costs)
    assert ledger.spent_usd == pytest.approx(sum(c for c in costs if c is not None))
    assert ledger.spent_usd <= 1.0 and not ledger.open
    assert ledger.refusals >= 1 and len(ledger.events) < 31  # 1 + 2 + 4 + 8 + 16 unbounded
    assert "has spent or granted its $1.00 budget" in ledger.refused[0]
    assert f"budget: {len(ledger.events)} of 100 events" in shown.out


COST_PER_MTOK = 100.0
