"""The response cache (issue 27, item 4): an app that opts in gets an identical model request
answered from relay's store, recorded in history as cached (so replay and `relay status` show
it, with the hit rate and what it saved); never once the run's context is tainted; never for an
app that did not opt in. A real dev server and worker, the scripted model priced so savings
show."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from relay import App
from relay.agents.llm_models import LlmResponse
from relay.agents.models import GoalRequest, GoalResult
from relay.app import AppError
from relay.client.goals import start_goal
from relay.client.replay import replay_workflow
from relay.temporal.devserver import DevServer
from tests.cached_app import CACHED_APP, CACHED_TOOLS, CLERK
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.test_cli import env_for

PRICED = json.dumps({"scripted": [1000.0, 2000.0]})  # USD per million tokens


async def _goal(relay: Relay, goal: str, goal_id: str) -> GoalResult:
    request = GoalRequest(goal=goal, app=CACHED_APP.name, app_digest=CACHED_APP.digest)
    handle = await start_goal(relay.client, request, goal_id, relay.settings.task_queue)
    return await handle.result()


async def _llm_answers(relay: Relay, workflow_id: str) -> list[LlmResponse]:
    """The answers of the run's model activities, as its history keeps them."""
    runs = await relay.activity_runs(workflow_id, "llm")
    return [LlmResponse.model_validate(run.result) for run in runs]


async def test_a_repeated_request_is_answered_from_the_cache_and_replays(
    temporal_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAY_PRICES", PRICED)
    async with running_relay(temporal_server, tmp_path, app=CACHED_APP) as relay:
        suffix = tmp_path.name[-8:]
        first = await _goal(relay, "Look up A", f"first-{suffix}")
        again = await _goal(relay, "Look up A", f"again-{suffix}")
        other = await _goal(relay, "Look up B", f"other-{suffix}")
        env = {**env_for(relay), "RELAY_APP": "tests.cached_app:CACHED_APP"}
        status = await relay_cli("status", f"again-{suffix}", env=env)
        replayed = await replay_workflow(relay.client, f"again-{suffix}/clerk-1")

    assert first.status == again.status == "completed"
    assert first.answer == again.answer
    assert first.usage.cached_calls == 0 and first.usage.llm_calls == 3  # two turns, synthesis
    # Both agent turns again: the same messages, tools and route. Synthesis is never cached.
    assert (again.usage.cached_calls, again.usage.llm_calls) == (2, 1)
    agent_cost = first.usage.cost_usd - again.usage.cost_usd
    assert again.usage.saved_usd == pytest.approx(agent_cost)
    assert other.usage.cached_calls == 0  # another item, another request
    answers = await _llm_answers(relay, f"again-{suffix}/clerk-1")
    assert [a.cached for a in answers] == [True, True]
    assert all(a.usage.cost_usd == 0.0 for a in answers)
    assert replayed is None, replayed
    assert status.code == 0, status.err
    assert "2 from the response cache (67%, saved $" in status.out, status.out
    assert "from the response cache → look_up" in status.out


async def test_a_tainted_context_is_never_answered_from_the_cache(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=CACHED_APP) as relay:
        suffix = tmp_path.name[-8:]
        await _goal(relay, "Fetch P", f"fetch-{suffix}")
        again = await _goal(relay, "Fetch P", f"refetch-{suffix}")
    # The first turn (before the page came in) is the same request; the turn that reads the
    # page's untrusted text is asked again, and not kept.
    assert (again.usage.cached_calls, again.usage.llm_calls) == (1, 2)
    answers = await _llm_answers(relay, f"refetch-{suffix}/clerk-1")
    assert [a.cached for a in answers] == [True, False]


async def test_the_cache_is_off_unless_the_app_opts_in(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    uncached = App(
        "cached",
        agents=[CLERK],
        tools=CACHED_TOOLS,
        model="scripted",
        scripted=CACHED_APP.scripted,
    )
    async with running_relay(temporal_server, tmp_path, app=uncached) as relay:
        suffix = tmp_path.name[-8:]
        request = GoalRequest(goal="Look up A", app="cached", app_digest=uncached.digest)
        results = []
        for n in range(2):
            handle = await start_goal(
                relay.client, request, f"plain-{n}-{suffix}", relay.settings.task_queue
            )
            results.append(await handle.result())
    assert [r.usage.cached_calls for r in results] == [0, 0]


def test_a_cache_ttl_out_of_bounds_fails_where_the_app_is_made() -> None:
    with pytest.raises(AppError, match="cache_responses must be between 1 second and 30 days"):
        App("c", agents=[CLERK], tools=CACHED_TOOLS, cache_responses=timedelta(days=31))


async def test_the_eval_report_shows_the_caches_hit_rate_and_savings(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """Each eval run has a store of its own: the cache answers within a case (here, what its
    earlier goal asked), never from another run."""
    case = {
        "id": "look-up-again",
        "goal": "Look up A",
        "before": [{"goal": "Look up A"}],
        "answer_includes": ["green"],
    }
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(case))
    env = {
        "TEMPORAL_ADDRESS": temporal_server.address,
        "RELAY_APP": "tests.cached_app:CACHED_APP",
        "RELAY_PRICES": PRICED,
    }
    ran = await relay_cli(
        "eval", str(cases), "--model", "scripted", "--repeat", "2",
        "--out", str(tmp_path / "out"), env=env,
    )  # fmt: skip
    assert ran.code == 0, ran.err
    # Each run's goal is given both agent turns from the cache; its synthesis is asked.
    assert "response cache on scripted: 67% of model answers, saved $" in ran.out, ran.out
    report = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [(r["cached_calls"], r["llm_calls"]) for r in report["runs"]] == [(2, 1), (2, 1)]
