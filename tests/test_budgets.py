"""Budgets and loop breakers through real runs: a runaway scripted model hits the step, token,
cost and wall-clock limits; repeating or failing calls trip the loop breaker; escalation asks a
human for more."""

import json

import pytest

from relay.agents.approvals import ApprovalDecision
from relay.agents.models import Budget, GoalResult
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay
from tests.test_agent_loop import call

# Alternating lookups: never the same call twice in a row, never an answer. A runaway.
RUNAWAY = [
    call("get_last_order", customer_id="C-1001"),
    call("get_order", order_id="O-5002"),
] * 20


def runaway(relay: Relay) -> str:
    return relay.orders_script(RUNAWAY)


async def run(relay: Relay, model: str, budget: Budget) -> GoalResult:
    return await (await relay.start(model=model, budget=budget)).result()


async def test_step_limit(relay: Relay) -> None:
    result = await run(relay, runaway(relay), Budget(max_steps=6))
    [task] = result.tasks
    assert result.status == "budget_exhausted" and task.status == "budget_exhausted"
    # 6 turns: 1 to plan, 1 kept for the final answer, 4 leased to the agent.
    assert "its lease of 4 model turns is spent" in task.result
    assert "O-5002" in task.result  # the last observation is kept as the partial result
    child = await relay.child_result(task.workflow_id)
    assert child.steps == 4 and len(child.tool_calls) == 4
    assert result.usage.llm_calls == 6  # plan + 4 agent turns + the summary


async def test_token_limit(relay: Relay) -> None:
    result = await run(relay, runaway(relay), Budget(max_tokens=3000))
    [task] = result.tasks
    assert task.status == "budget_exhausted" and "tokens is spent" in task.result
    child = await relay.child_result(task.workflow_id)
    lease = int(task.result.split("its lease of ")[1].split(" tokens")[0])
    used = child.usage.input_tokens + child.usage.output_tokens
    # It stopped at the first check after crossing its lease: one turn's worth past it at most.
    assert lease <= used < lease + 1500
    assert child.steps < len(RUNAWAY)


async def test_cost_limit(relay: Relay, monkeypatch: pytest.MonkeyPatch) -> None:
    model = runaway(relay)
    # Give the test model a price (USD per million tokens) so it costs something.
    monkeypatch.setenv("RELAY_PRICES", json.dumps({model: [100.0, 100.0]}))
    result = await run(relay, model, Budget(max_cost_usd=0.5))
    [task] = result.tasks
    assert task.status == "budget_exhausted" and "is spent ($" in task.result
    assert result.usage.cost_usd is not None and result.usage.cost_usd < 0.5 + 0.2


async def test_wall_clock_limit_is_a_durable_timer(relay: Relay) -> None:
    # The refund waits for a human who never comes; the goal's 3 s run out first.
    handle = await relay.start(budget=Budget(max_seconds=3))
    pending = await relay.next_pending(handle)
    assert pending.tool == "issue_refund"
    result = await handle.result()

    returns = next(t for t in result.tasks if t.agent == "returns")
    assert returns.status == "budget_exhausted"
    assert "the goal's time budget ran out" in returns.result
    [expired] = result.approvals
    assert (expired.verdict, expired.approver) == ("expired", "relay:budget")
    assert await handle.query(SupervisorWorkflow.pending_approvals) == []
    child = relay.client.get_workflow_handle(returns.workflow_id)
    fired = [
        e async for e in child.fetch_history_events() if e.HasField("timer_fired_event_attributes")
    ]
    assert len(fired) == 1  # the limit fired as a durable timer in the agent's history


async def test_the_same_call_three_times_trips_the_loop_breaker(relay: Relay) -> None:
    same = [call("get_last_order", customer_id="C-1001")] * 10
    script = relay.orders_script(same)
    result = await run(relay, script, Budget())
    [task] = result.tasks
    assert task.status == "loop_detected" and result.status == "failed"
    assert "the same call get_last_order" in task.result and "3 times in a row" in task.result
    child = await relay.child_result(task.workflow_id)
    assert len(child.tool_calls) == 2  # the third identical call never ran


async def test_consecutive_tool_errors_trip_the_loop_breaker(relay: Relay) -> None:
    failing = [call("get_order", order_id=f"O-{n}") for n in range(1, 10)]  # none exists
    script = relay.orders_script(failing)
    result = await run(relay, script, Budget())
    [task] = result.tasks
    assert task.status == "loop_detected"
    assert "3 failed tool calls in a row" in task.result
    child = await relay.child_result(task.workflow_id)
    assert [c.outcome for c in child.tool_calls] == ["error"] * 3


async def test_too_many_calls_in_one_turn_are_refused(relay: Relay) -> None:
    burst = {
        "tool_calls": [
            {"name": "get_order", "arguments": {"order_id": f"O-500{n}"}} for n in (1, 2)
        ]
        * 3
    }
    script = relay.orders_script([burst, {"content": "done"}])
    result = await run(relay, script, Budget())
    child = await relay.child_result(result.tasks[0].workflow_id)
    assert [c.outcome for c in child.tool_calls] == ["ok"] * 5 + ["refused"]
    assert "at most 5 tool calls per model turn" in child.tool_calls[-1].detail


async def test_an_exhausted_agent_escalates_and_a_human_grants_more(relay: Relay) -> None:
    handle = await relay.start(model=runaway(relay), budget=Budget(max_steps=6, escalate=True))
    asked = []
    async for pending in relay.pending_stream(handle):  # each new request once
        asked.append(pending)
        signal = SupervisorWorkflow.approve if len(asked) == 1 else SupervisorWorkflow.reject
        await handle.signal(
            signal, ApprovalDecision(approval_id=pending.approval_id, approver="alice")
        )
    first, second = asked
    assert first.tool == "continue_with_more_budget"
    assert "its lease of 4 model turns is spent" in first.reason
    assert "its lease of 8 model turns is spent" in second.reason
    result = await handle.result()
    [task] = result.tasks
    assert task.status == "budget_exhausted" and "more budget was rejected" in task.result
    child = await relay.child_result(task.workflow_id)
    assert child.steps == 8  # the first lease, and as much again
    assert [a.verdict for a in result.approvals] == ["approved", "rejected"]
