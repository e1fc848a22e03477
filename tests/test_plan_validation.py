"""Plans are validated in the workflow: an invalid one is re-asked once, then the goal fails."""

import pytest
from temporalio.client import WorkflowFailureError

from relay.agents.models import Plan, PlannedTask
from relay.workflows.plan_check import plan_error, renumbered
from tests.conftest import ORDERS_ONLY, Relay
from tests.test_agent_loop import call

UNKNOWN_AGENT = {"content": '{"tasks": [{"id": "x", "agent": "shipping", "instruction": "go"}]}'}
CYCLE = {
    "content": '{"tasks": ['
    '{"id": "a", "agent": "orders", "instruction": "a", "depends_on": ["b"]},'
    '{"id": "b", "agent": "returns", "instruction": "b", "depends_on": ["a"]}]}'
}


def task(id: str, agent: str = "orders", *deps: str) -> PlannedTask:
    return PlannedTask(id=id, agent=agent, instruction="do it", depends_on=list(deps))


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ([], "no tasks"),
        ([task("a"), task("a")], "unique; repeated: a"),
        ([task("a", "shipping")], "unknown agent 'shipping'"),
        ([task("a", "orders", "zzz")], "unknown task(s) ['zzz']"),
        (
            [task("a", "orders", "b"), task("b", "orders", "c"), task("c", "orders", "a")],
            "cycle: a -> b -> c -> a",
        ),
        ([task("a", "orders", "a")], "cycle: a -> a"),
    ],
)
def test_plan_errors(tasks: list[PlannedTask], expected: str) -> None:
    error = plan_error(Plan(tasks=tasks), ["orders", "catalog", "returns"])
    assert error is not None and expected in error


def test_valid_dag_passes() -> None:
    plan = Plan(tasks=[task("a"), task("b", "catalog", "a"), task("c", "returns", "a", "b")])
    assert plan_error(plan, ["orders", "catalog", "returns"]) is None


async def test_unknown_agent_twice_fails_the_goal_clearly(relay: Relay) -> None:
    handle = await relay.start(model=relay.script({"plan": [UNKNOWN_AGENT]}))
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    message = str(failure.value.cause)
    assert "planning failed after a re-ask" in message and "unknown agent 'shipping'" in message
    planning_calls = [
        e
        for e in [ev async for ev in handle.fetch_history_events()]
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "llm"
    ]
    assert len(planning_calls) == 2


async def test_cycle_is_re_asked_and_the_corrected_plan_runs(relay: Relay) -> None:
    handle = await relay.start(model=relay.script({"plan": [CYCLE, ORDERS_ONLY]}))
    result = await handle.result()
    assert result.status == "completed"
    assert [(t.id, t.agent) for t in result.tasks] == [("o", "orders")]
    assert "O-5002" in result.tasks[0].result


async def test_answer_that_is_not_json_is_re_asked(relay: Relay) -> None:
    handle = await relay.start(
        model=relay.script(
            {"plan": [{"content": "Sure! First I will look up the order."}, ORDERS_ONLY]}
        )
    )
    assert (await handle.result()).status == "completed"


def test_repeated_ids_are_renumbered_unless_a_task_depends_on_one() -> None:
    plan = Plan(tasks=[task("Flights"), task("Flights", "catalog"), task("Flights-2", "returns")])
    assert [t.id for t in renumbered(plan).tasks] == ["Flights", "Flights-3", "Flights-2"]
    assert plan_error(renumbered(plan), ["orders", "catalog", "returns"]) is None
    ambiguous = Plan(tasks=[task("a"), task("a"), task("b", "catalog", "a")])
    assert renumbered(ambiguous) == ambiguous


async def test_a_plan_with_repeated_ids_runs_without_a_re_ask(relay: Relay) -> None:
    """A small model repeats task ids (smollm2: `repeated: Flights`): relay renumbers them."""
    repeated = {
        "content": '{"tasks": [{"id": "t", "agent": "orders", "instruction": "Last order."},'
        '{"id": "t", "agent": "catalog", "instruction": "Similar to P-101."}]}'
    }
    script = relay.script(
        {
            "plan": [repeated],
            "agents": {
                "orders": [{"content": "No tool needed."}],
                "catalog": [{"content": "No tool needed either."}],
            },
            "synthesize": [{"content": "Done."}],
        }
    )
    result = await (await relay.start(model=script)).result()
    assert [(t.id, t.agent) for t in result.tasks] == [("t", "orders"), ("t-2", "catalog")]
    assert result.usage.llm_calls == 4  # one plan, two agents, the synthesis: no re-ask


async def test_a_goal_routed_to_one_agent_is_its_task_without_a_planner(relay: Relay) -> None:
    """`order` routes to the orders agent alone: no plan call (a small model's plan adds only
    ways to fail); the goal is the agent's instruction."""
    script = relay.script(
        {
            "agents": {
                "orders": [
                    call("get_last_order", customer_id="C-1001"),
                    {"content": "Your last order is O-5002."},
                ]
            },
            "synthesize": [{"content": "Your last order is O-5002."}],
        }
    )
    goal = "What was my last order?"
    result = await (await relay.start(goal=goal, model=script)).result()

    assert result.status == "completed"
    assert [(t.id, t.agent, t.instruction) for t in result.tasks] == [("t1", "orders", goal)]
    assert result.usage.llm_calls == 3  # the agent's two turns and the synthesis


async def test_a_goal_too_long_for_an_instruction_is_still_planned(relay: Relay) -> None:
    goal = "What was my last order? " + "Please be thorough. " * 25  # over 400 characters
    script = relay.script({"plan": [ORDERS_ONLY], "synthesize": [{"content": "Done."}]})
    result = await (await relay.start(goal=goal, model=script)).result()

    assert [(t.id, t.agent) for t in result.tasks] == [("o", "orders")]
    assert result.usage.llm_calls == 4  # the plan, the agent's two turns, the synthesis
