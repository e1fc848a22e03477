"""Rate limits and quotas of tools (issue 27, items 1 and 2): counted in relay's store, so they
hold across worker processes (and a worker SIGKILLed mid-call counts its call once), scoped per
requester, refused with when the next slot is, or waited for with a durable timer when the
slot is near. The counting itself on SQLite and a real PostgreSQL."""

import asyncio
import json
import signal
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from relay.agents.models import GoalRequest, GoalResult
from relay.agents.rate_limits import ToolLimits, parse_limit
from relay.client.goals import start_goal
from relay.temporal.devserver import DevServer
from relay.tools.definition import ToolDefinitionError, ToolSet
from relay.tools.rate_store import RateLimiter
from relay.tools.store import Store
from relay.tools.stores import open_store
from tests.conftest import Relay, running_relay
from tests.limited_app import LIMITED_APP
from tests.worker_process import relay_for_worker_processes, worker_process


@pytest.fixture
def limiter(relay_store: Store) -> RateLimiter:
    """The counting on each backend: SQLite, and a real PostgreSQL."""
    limiter = RateLimiter(relay_store)
    limiter.create_schema()
    limiter.create_schema()  # again, as every worker does at start
    return limiter


def test_a_rate_counts_each_call_once_per_scope(limiter: RateLimiter) -> None:
    limits = ToolLimits(rate=parse_limit("3/minute", "rate"), per="requester")
    ada, bob = "requester:ada", "requester:bob"
    assert [limiter.take("reset", limits, ada, f"k{n}", 1000.0 + n) for n in range(3)] == [None] * 3
    assert limiter.take("reset", limits, ada, "k1", 1010.0) is None  # a retried call: counted once
    denied = limiter.take("reset", limits, ada, "k3", 1010.0)
    assert denied is not None and denied.kind == "rate"
    assert denied.message == "rate limit: reset allows 3/minute per requester; next slot in 50 s"
    assert limiter.take("reset", limits, bob, "b0", 1010.0) is None  # another requester
    assert limiter.take("reset", limits, ada, "k3", 1010.0, peek=True) is not None
    assert (
        limiter.take("reset", limits, ada, "k3", 1060.5) is None
    )  # the first call left the window
    # Calls stay counted an hour (KEPT_SECONDS), so any recent window can be checked.
    assert limiter.counted("reset", ada) == [1000.0, 1001.0, 1002.0, 1060.5]


def test_a_quota_refuses_until_its_window_resets(limiter: RateLimiter) -> None:
    limits = ToolLimits(quota=parse_limit("2/day", "quota"))
    day = 86_400.0
    assert limiter.take("export", limits, "*", "a", 0.0) is None
    assert limiter.take("export", limits, "*", "b", 10.0) is None
    denied = limiter.take("export", limits, "*", "c", 3600.0)
    assert denied is not None and denied.kind == "quota"
    assert denied.message == f"quota: export allows 2/day; next slot in {round(day - 3600)} s"
    assert limiter.take("export", limits, "*", "c", day + 1) is None


def test_a_limit_written_wrong_fails_where_the_tool_is_defined() -> None:
    tools = ToolSet()
    with pytest.raises(ToolDefinitionError, match="rate '5 per minute' is not like 5/minute"):

        @tools.tool(risk="write", rate="5 per minute")
        def notify(user: str) -> dict:
            """Notify a user."""
            return {}

    with pytest.raises(ToolDefinitionError, match="per='Customer' is not global, requester"):

        @tools.tool(risk="write", quota="5/day", per="Customer")
        def export(user: str) -> dict:
            """Export a user's data."""
            return {}


def _workers_env(tmp_path: Path) -> dict[str, str]:
    """What every worker process of these tests shares: relay's store and the app."""
    return {"RELAY_STORE": str(tmp_path / "relay.db"), "RELAY_APP": "tests.limited_app:LIMITED_APP"}


RESET = GoalRequest(goal="Reset U-1", app="limited", app_digest=LIMITED_APP.digest)
PING = GoalRequest(
    goal="Ping twice", app="limited", app_digest=LIMITED_APP.digest, requested_by="ada"
)


async def _reset(relay: Relay, goal_id: str, person: str) -> GoalResult:
    request = RESET.model_copy(update={"requested_by": person})
    handle = await start_goal(relay.client, request, goal_id, relay.settings.task_queue)
    return await handle.result()


async def test_a_rate_per_requester_holds_across_two_workers(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    shared = _workers_env(tmp_path)
    log = tmp_path / "workers.log"
    async with (
        worker_process(relay.settings, log, **shared | {"RELAY_DATA_DIR": str(tmp_path / "a")}),
        worker_process(relay.settings, log, **shared | {"RELAY_DATA_DIR": str(tmp_path / "b")}),
    ):
        suffix = tmp_path.name[-8:]
        adas = await asyncio.gather(*(_reset(relay, f"ada-{n}-{suffix}", "ada") for n in range(5)))
        bobs = await _reset(relay, f"bob-{suffix}", "bob")

    answers = sorted(r.answer for r in adas)
    assert answers.count("ok") == 3, answers
    refused = [a for a in answers if a != "ok"]
    assert len(refused) == 2 and all(
        a.startswith("rate limit: send_reset allows 3/minute per requester; next slot in ")
        for a in refused
    )
    assert bobs.answer == "ok"  # another requester's count is their own
    # Each refusal is in the goal's audit, decided by relay before any human was asked.
    for result in adas:
        limited = [(a.approver, a.verdict, a.reason) for a in result.audit]
        assert limited == (
            [] if result.answer == "ok" else [("relay:rate-limit", "rejected", result.answer)]
        )
    # The Web UI's summary of each call names the tool's limit.
    history = await relay.client.get_workflow_handle(f"bob-{suffix}/ops-1").fetch_history()
    summaries = [
        json.loads(e.user_metadata.summary.data)
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert 'send_reset · {"user": "U-1"} · limited 3/minute per requester' in summaries
    counted = RateLimiter(open_store(tmp_path / "relay.db")).counted("send_reset", "requester:ada")
    assert len(counted) == 3


async def test_a_near_slot_is_waited_for_with_a_durable_timer(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, app=LIMITED_APP) as relay:
        goal_id = f"ping-{tmp_path.name[-8:]}"
        handle = await start_goal(relay.client, PING, goal_id, relay.settings.task_queue)
        result = await handle.result()
        history = await relay.client.get_workflow_handle(f"{goal_id}/ops-1").fetch_history()

    assert result.answer == "ok; ok"  # the second ping waited for its slot, then went
    timers = [
        e.user_metadata.summary.data
        for e in history.events
        if e.HasField("timer_started_event_attributes")
    ]
    # A timer in the agent's history (besides its time budget's): the wait survives a restart.
    assert [t for t in timers if b"rate slot" in t] == [b'"ping_service: waits for a rate slot"']


async def test_a_wait_for_a_slot_survives_its_worker_being_killed(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    shared = _workers_env(tmp_path)
    log = tmp_path / "workers.log"
    goal_id = f"wait-{tmp_path.name[-8:]}"
    async with worker_process(relay.settings, log, **shared) as first:
        handle = await start_goal(relay.client, PING, goal_id, relay.settings.task_queue)
        agent = relay.client.get_workflow_handle(f"{goal_id}/ops-1")
        await _timer_started(agent, b"rate slot")
        first.kill()  # mid-wait: nothing in any worker remembers it
        await first.wait()
    async with worker_process(relay.settings, log, **shared):
        result = await handle.result()

    assert result.answer == "ok; ok", log.read_text()[-2000:]
    fired = [
        e
        for e in (await agent.fetch_history()).events
        if e.HasField("timer_fired_event_attributes")
    ]
    assert fired  # the wait ended by its timer, on the worker that took over


async def _timer_started(handle: WorkflowHandle, summary: bytes) -> None:
    for _ in range(300):  # the agent's run starts a moment after the goal's
        try:
            async for event in handle.fetch_history_events(wait_new_event=True):
                if event.HasField("timer_started_event_attributes") and (
                    summary in event.user_metadata.summary.data
                ):
                    return
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"no timer {summary!r} in {handle.id}")


async def test_a_call_retried_after_its_worker_was_killed_counts_once(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    shared = _workers_env(tmp_path)
    log = tmp_path / "workers.log"
    request = RESET.model_copy(update={"requested_by": "ada"})
    doomed_env = shared | {"RELAY_FAULT": "tool-committed:send_reset"}
    async with worker_process(relay.settings, log, **doomed_env) as doomed:
        handle = await start_goal(
            relay.client, request, f"kill-{tmp_path.name[-8:]}", relay.settings.task_queue
        )
        assert await doomed.wait() == -signal.SIGKILL, log.read_text()
    async with worker_process(relay.settings, log, **shared):
        result = await handle.result()

    assert result.answer == "ok"
    counted = RateLimiter(open_store(tmp_path / "relay.db")).counted("send_reset", "requester:ada")
    assert len(counted) == 1  # the retry found its call counted (and the ledger its result)
