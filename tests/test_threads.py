"""Threads on a real server: a later goal of a thread answers from an earlier goal's words
(the planner and the agent see the earlier turns; another thread, or another person's thread
of the same name, does not), goals of one thread run one at a time, in order, and the CLI and
HTTP ways in (`relay run --thread`, `relay threads`, `POST /threads/{id}/goals`)."""

import asyncio
from pathlib import Path

import httpx

from relay.agents.models import GoalRequest, GoalResult
from relay.agents.prompts import planning_prompt, task_prompt
from relay.agents.threads import TURNS_SHOWN, turn_of
from relay.client.replay import replay_workflow
from relay.temporal.devserver import DevServer
from relay.temporal.threads import continue_thread, started_goal
from relay.workflows.thread import ThreadWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import Relay, payload_json, running_relay
from tests.serve_process import bearer, serve_process
from tests.test_cli import env_for
from tests.threads_app import CONCIERGE, THREADED


def _asked(goal: str, thread: str, person: str = "ada") -> GoalRequest:
    return GoalRequest(
        goal=goal, app="threaded", app_digest=THREADED.digest, requested_by=person, thread=thread
    )


async def _answer(relay: Relay, request: GoalRequest) -> tuple[str, GoalResult]:
    goal_id = await continue_thread(relay.client, request, relay.settings.task_queue)
    return goal_id, await (await started_goal(relay.client, goal_id)).result()


async def test_a_later_goal_of_a_thread_answers_from_an_earlier_one(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=THREADED) as relay:
        thread = f"t-{tmp_path.name[-8:]}"
        _, told = await _answer(relay, _asked("I prefer green", thread))
        second_id, asked = await _answer(relay, _asked("Which colour do I prefer?", thread))
        _, elsewhere = await _answer(relay, _asked("Which colour do I prefer?", f"{thread}-b"))
        _, bobs = await _answer(relay, _asked("Which colour do I prefer?", thread, "bob"))
        history = await relay.client.get_workflow_handle(f"{second_id}/concierge-1").fetch_history()
        replayed = await replay_workflow(relay.client, f"thread/threaded/ada/{thread}")

    assert told.answer == "Noted: you prefer green."
    assert asked.answer == "You told me you prefer green."
    assert second_id == f"thread/threaded/ada/{thread}/goal-2"
    # What the agent was given is in its history (its task), so replay and audit see the same.
    started = history.events[0].workflow_execution_started_event_attributes
    task = payload_json(started.input.payloads[0])
    assert [(t["goal"], t["answer"]) for t in task["earlier"]] == [
        ("I prefer green", "Noted: you prefer green.")
    ]
    # Another thread, and bob's thread of the same name, know nothing of it.
    assert elsewhere.answer == bobs.answer == "I do not know which colour you prefer."
    assert replayed is None


def test_the_planner_and_the_agents_see_the_earlier_turns_as_data() -> None:
    turns = [turn_of(f"g-{n}", f"goal {n}", f"answer {n}", "completed") for n in range(8)]
    planned = planning_prompt("and the red one?", {}, [CONCIERGE], turns[-TURNS_SHOWN:])
    tasked = task_prompt("and the red one?", {}, [], turns)
    assert "Earlier in this conversation" in planned and "(2 earlier turn(s) not shown)" in tasked
    assert "asked: goal 7\nanswered: answer 7" in planned and "goal 1\n" not in tasked
    assert task_prompt("x", {}, []) == "Task: x"  # a goal without a thread: as before


async def test_goals_of_one_thread_run_one_at_a_time_in_order(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=THREADED) as relay:
        thread = f"t-{tmp_path.name[-8:]}"
        requests = [_asked("I prefer red", thread), _asked("Which colour do I prefer?", thread)]
        # The second is queued while the first runs (neither is awaited to its end).
        first, second = [
            await continue_thread(relay.client, r, relay.settings.task_queue) for r in requests
        ]
        waiting = await relay.client.get_workflow_handle(f"thread/threaded/ada/{thread}").query(
            ThreadWorkflow.state
        )
        handles = [await started_goal(relay.client, goal_id) for goal_id in (first, second)]
        results = [await handle.result() for handle in handles]
        described = [await handle.describe() for handle in handles]

    goal_ids = sorted([first, second])
    assert goal_ids == [f"thread/threaded/ada/{thread}/goal-{n}" for n in (1, 2)]
    by_id = dict(zip((first, second), results, strict=True))
    assert by_id[goal_ids[0]].answer == "Noted: you prefer red."
    assert by_id[goal_ids[1]].answer == "You told me you prefer red."
    assert waiting.waiting in ([second], [])  # queued behind the first, or already running
    started = {d.id: d for d in described}
    assert started[goal_ids[1]].start_time >= started[goal_ids[0]].close_time


async def test_threads_from_the_command_line_and_over_http(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=THREADED) as relay:
        env = {**env_for(relay), "RELAY_APP": "tests.threads_app:THREADED"}
        said = await relay_cli(
            "run", "I prefer blue", "--thread", "cli", "--as", "ada", "--wait", env=env
        )
        asked = await relay_cli(
            "run", "Which colour do I prefer?", "--thread", "cli", "--as", "ada", "--wait", env=env
        )
        listed = await relay_cli("threads", "--as", "ada", env=env)
        shown = await relay_cli("threads", "--as", "ada", "show", "cli", env=env)
        bad = await relay_cli("run", "hi", "--thread", "no spaces", env=env)
        async with (
            serve_process(
                relay, tmp_path / "serve.log", RELAY_APP="tests.threads_app:THREADED"
            ) as url,
            httpx.AsyncClient(base_url=url) as http,
        ):
            key = {"Idempotency-Key": "k1", **bearer("ada")}
            body = {"goal": "I prefer navy"}
            posted = await http.post("/threads/web/goals", json=body, headers=key)
            again = await http.post("/threads/web/goals", json=body, headers=key)
            goal_id = posted.json()["id"]
            await (await started_goal(relay.client, goal_id)).result()
            for _ in range(100):  # the thread records the answer a moment after the goal ends
                read = await http.get("/threads/web", headers=bearer("ada"))
                if read.json()["turns"]:
                    break
                await asyncio.sleep(0.1)
            other = await http.get("/threads/web", headers=bearer("bob"))

    assert said.code == asked.code == 0, said.err + asked.err
    assert "You told me you prefer blue." in asked.out
    assert listed.out.startswith("cli · running")
    assert (
        "asked: I prefer blue" in shown.out
        and "answered: You told me you prefer blue." in shown.out
    )
    assert bad.code == 1
    assert "thread id 'no spaces' must be letters" in bad.err
    assert posted.status_code == 202 and again.json()["id"] == goal_id
    turns = read.json()["turns"]
    assert [t["answer"] for t in turns] == ["Noted: you prefer navy."]
    assert other.status_code == 404 and "you have no thread 'web'" in other.json()["error"]


async def test_older_turns_are_folded_into_a_summary_the_next_goal_sees(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    colours = ["red", "blue", "green", "navy", "white", "black", "grey"]
    async with running_relay(temporal_server, tmp_path, app=THREADED) as relay:
        thread = f"t-{tmp_path.name[-8:]}"
        for colour in colours:
            await _answer(relay, _asked(f"I prefer {colour}", thread))
        last_id, _ = await _answer(relay, _asked("Which colour do I prefer?", thread))
        handle = relay.client.get_workflow_handle(f"thread/threaded/ada/{thread}")
        for _ in range(100):  # the thread folds after the goal's result is out
            state = await handle.query(ThreadWorkflow.state)
            if state.running is None and state.summarized == 2:
                break
            await asyncio.sleep(0.1)
        history = await relay.client.get_workflow_handle(f"{last_id}/concierge-1").fetch_history()
        replayed = await replay_workflow(relay.client, f"thread/threaded/ada/{thread}")

    # 8 turns: the last 6 as they were, the 2 before folded into the summary (by the same
    # summarizer as an agent's long conversation; the scripted model's is deterministic).
    assert len(state.turns) == 8 and state.summarized == 2
    assert state.summary is not None and state.summary.status == "summary"
    started = history.events[0].workflow_execution_started_event_attributes
    earlier = payload_json(started.input.payloads[0])["earlier"]
    # The 8th goal saw the summary of turn 1 and the 6 turns after it.
    assert [t["status"] for t in earlier] == ["summary"] + ["completed"] * 6
    assert [t["goal"] for t in earlier[1:]] == [f"I prefer {c}" for c in colours[1:]]
    assert replayed is None
