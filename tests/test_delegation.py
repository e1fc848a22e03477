"""Agents as tools: an agent that `consults` another calls it as `consult_<name>`; the consulted
agent runs as a child of the caller with half of the caller's remaining budget, its approvals
are decided like any agent's, and what it spends and finds is the caller's."""

import asyncio
import re
from collections.abc import Callable

import pytest

from examples.shop.agents import CATALOG, ORDERS, RETURNS
from examples.shop.app import app as shop
from examples.shop.tools import SHOP
from relay import App
from relay.agents.approvals import ApprovalDecision
from relay.agents.llm_models import LlmRequest
from relay.agents.models import Budget
from relay.app import AppError
from relay.client.replay import replay_history, replay_workflow
from relay.testing import FunctionModel, plan, run_goal, tool_call
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import running_relay
from tests.test_agent_loop import call
from tests.test_cli import env_for

CONSULTING = App(
    name="consulting",
    agents=[ORDERS.model_copy(update={"consults": ["catalog", "returns"]}), CATALOG, RETURNS],
    tools=SHOP,
    database=shop.database,
)


PRODUCT = r"P-1\d\d"


def last_tool_result(request: LlmRequest) -> str | None:
    last = request.messages[-1]
    return last.content if last.role == "tool" else None


def orders_task(agent_turn: Callable[[LlmRequest], object]) -> FunctionModel:
    """A model for one orders task: the plan and the final summary are fixed; `agent_turn`
    answers every agent's turn."""

    def answer(request: LlmRequest) -> object:
        if request.purpose == "plan":
            return plan({"id": "o", "agent": "orders", "instruction": "Help the customer."})
        if request.purpose != "agent":
            return "Done."
        return agent_turn(request)

    return FunctionModel(answer)


def orders_asks(request_text: str, then: str) -> FunctionModel:
    """The orders agent's model: consult, then answer with `then`."""

    def turn(request: LlmRequest) -> object:
        if request.agent == "orders":
            seen = last_tool_result(request)
            if seen is None:
                tool = "consult_returns" if "refund" in request_text else "consult_catalog"
                return tool_call(tool, request=request_text)
            return then.format(seen=seen)
        return consulted_model(request)

    return orders_task(turn)


def consulted_model(request: LlmRequest) -> object:
    seen = last_tool_result(request)
    if request.agent == "catalog":
        if seen is None:
            return tool_call("find_similar_products", product_id="P-101")
        found = [p for p in re.findall(PRODUCT, seen) if p != "P-101"]
        return f"Similar: {found[0]}."
    if seen is None:
        return tool_call("check_return_eligibility", order_id="O-5002", product_id="P-101")
    if "create_return" not in seen and '"eligible"' in seen:
        return tool_call("create_return", order_id="O-5002", product_id="P-101", reason="size")
    if "R-" in seen and "refund_id" not in seen:
        return_id = re.findall(r"R-\d+", seen)[0]
        return tool_call("issue_refund", return_id=return_id, amount=79)
    return "Refunded."


async def test_an_agent_asks_another_and_uses_its_answer() -> None:
    run = await run_goal(
        CONSULTING,
        "Anything like my blue shirt P-101?",
        model=orders_asks("Products similar to P-101", "The catalog says: {seen}"),
        context={"customer_id": "C-1001"},
    )

    [orders] = run.result.tasks
    assert orders.status == "completed"
    assert [(c.tool, c.outcome) for c in run.tool_calls] == [("consult_catalog", "ok")]
    # What the catalog answered reached the orders agent's model as the tool's result.
    assert re.search(
        r'"agent":"catalog","status":"completed","answer":"Similar: P-1\d\d', orders.result
    )
    # The catalog's two model turns are the orders agent's to pay for.
    assert run.agents["orders"].usage.llm_calls == 4 and run.agents["orders"].steps == 4


async def test_a_consulted_agent_gets_half_of_what_is_left() -> None:
    turns: list[int] = []

    def turn(request: LlmRequest) -> object:
        if request.agent == "catalog":  # never done: only its lease stops it
            turns.append(request.step)
            products = ["P-101", "P-102", "P-103", "P-104", "P-105", "P-106"]
            return tool_call("find_similar_products", product_id=products[len(turns) - 1])
        seen = last_tool_result(request)
        return tool_call("consult_catalog", request="Find shirts") if seen is None else "Ok."

    run = await run_goal(
        CONSULTING,
        "Anything like my blue shirt?",
        model=orders_task(turn),
        context={"customer_id": "C-1001"},
        budget=Budget(max_steps=9),  # 8 turns for orders, once the synthesis is kept back
    )

    assert len(turns) == 3  # (8 - its 1 turn so far) // 2
    [consultation] = run.tool_calls
    assert consultation.outcome == "error"
    assert "the catalog agent ended budget_exhausted" in consultation.detail


async def test_a_consulted_agents_refund_waits_for_a_human_like_any_other() -> None:
    run = await run_goal(
        CONSULTING,
        "Please refund my blue shirt from O-5002.",
        model=orders_asks("Return P-101 of O-5002 and refund it", "Done: {seen}"),
        context={"customer_id": "C-1001"},
        requested_by="ada",
        decide=lambda pending: True,
    )

    [asked] = run.asked
    assert (asked.agent, asked.tool, asked.arguments["amount"]) == ("returns", "issue_refund", 79)
    assert asked.workflow_id.startswith(run.result.tasks[0].workflow_id + "/returns-")
    assert [(a.tool, a.verdict) for a in run.result.approvals] == [("issue_refund", "approved")]
    assert '"answer":"Refunded."' in run.result.tasks[0].result
    assert run.result.status == "completed"


def test_consulting_an_unknown_agent_or_oneself_is_refused_at_definition() -> None:
    for consults in (["shipping"], ["orders"]):
        with pytest.raises(AppError, match="consults"):
            App(
                name="bad",
                agents=[ORDERS.model_copy(update={"consults": consults}), CATALOG],
                tools=SHOP,
            )


async def test_a_consultation_on_a_real_server_is_decided_and_replays(
    temporal_server, tmp_path
) -> None:
    """Through worker and server: the consulted returns agent's refund is approved by a
    signal to the goal, and every run of the goal replays from its history."""
    async with running_relay(temporal_server, tmp_path, app=CONSULTING) as relay:
        script = relay.script(
            {
                "plan": [{"content": plan({"id": "o", "agent": "orders", "instruction": "Go."})}],
                "agents": {
                    "orders": [
                        call("consult_returns", request="Return P-101 of O-5002 and refund it"),
                        {"content": "The returns agent refunded it."},
                    ],
                    "returns": [
                        call("create_return", order_id="O-5002", product_id="P-101", reason="x"),
                        call("issue_refund", return_id="R-7001", amount=79),
                        {"content": "Refunded R-7001."},
                    ],
                },
                "synthesize": [{"content": "Refunded."}],
            }
        )
        handle = await relay.start(goal="Refund my shirt.", model=script, app="consulting")
        pending = await relay.next_pending(handle)
        assert (pending.agent, pending.tool) == ("returns", "issue_refund")
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="fiona"),
        )
        result = await handle.result()
        runs = [handle.id, result.tasks[0].workflow_id, pending.workflow_id]
        replays = [await replay_workflow(relay.client, run) for run in runs]
        status = await relay_cli("status", handle.id, env=env_for(relay))

    # relay status shows the consultation as the caller's tool call, and the consulted run.
    assert '↳ consult_returns({"request": "Return P-101 of O-5002 and refund it"}) · ok' in (
        status.out
    )
    assert pending.workflow_id.startswith(f"{result.tasks[0].workflow_id}/returns-")

    assert result.status == "completed"
    assert [(a.agent, a.approver) for a in result.approvals] == [("returns", "fiona")]
    assert [r["amount_cents"] for r in relay.rows("SELECT * FROM refunds")] == [7900]
    assert replays == [None, None, None]


HANDING = App(
    name="handing",
    agents=[ORDERS.model_copy(update={"handoffs": ["returns"]}), RETURNS],
    tools=SHOP,
    database=shop.database,
)
NOTE = "The customer wants to return P-101 of O-5002 for a refund."


async def test_an_agent_hands_its_task_over_with_the_conversation_so_far() -> None:
    seen_by_returns: list[LlmRequest] = []

    def turn(request: LlmRequest) -> object:
        if request.agent == "orders":
            if last_tool_result(request) is None:
                return tool_call("get_last_order", customer_id="C-1001")
            return tool_call("handoff_to_returns", note=NOTE)
        seen_by_returns.append(request)
        if len(seen_by_returns) == 1:
            return tool_call("check_return_eligibility", order_id="O-5002", product_id="P-101")
        return "P-101 of O-5002 can be returned."

    run = await run_goal(
        HANDING,
        "I want to send back my blue shirt.",
        model=orders_task(turn),
        context={"customer_id": "C-1001"},
    )

    [task] = run.result.tasks
    assert (task.id, task.status, task.result) == (
        "o",
        "completed",
        "P-101 of O-5002 can be returned.",
    )
    agent = run.agents["orders"]  # the planned agent's run, which went on as returns
    assert (agent.agent, agent.handed_off_from, agent.runs) == ("returns", ["orders"], 2)
    first = seen_by_returns[0]
    assert first.messages[0].content.startswith(RETURNS.instructions)  # its own instructions
    assert "O-5002" in first.messages[2].content or any(
        "O-5002" in m.content for m in first.messages if m.role == "tool"
    )  # what orders found
    assert first.messages[-1].content == f"The orders agent handed this task over to you: {NOTE}"
    assert {t.name for t in first.tools} >= {"check_return_eligibility", "issue_refund"}
    assert "handoff_to_returns" not in {t.name for t in first.tools}
    assert [c.tool for c in agent.tool_calls] == [
        "get_last_order",
        "handoff_to_returns",
        "check_return_eligibility",
    ]
    # What each tool returned, across both runs (the handoff's is relay's own, not a tool's).
    seen = [(c.tool, c.result is not None) for c in run.tool_calls]
    assert seen == [
        ("get_last_order", True),
        ("handoff_to_returns", False),
        ("check_return_eligibility", True),
    ]
    assert run.tool_calls[0].result["order_id"] == "O-5002"


async def test_a_handoff_on_a_real_server_replays(temporal_server, tmp_path) -> None:
    async with running_relay(temporal_server, tmp_path, app=HANDING) as relay:
        script = relay.script(
            {
                "plan": [{"content": plan({"id": "o", "agent": "orders", "instruction": "Go."})}],
                "agents": {
                    "orders": [call("handoff_to_returns", note=NOTE)],
                    # An agent's reply n answers its step n + 1, and the handed-over run
                    # counts on from orders' one step.
                    "returns": [
                        {"content": "unused"},
                        call("check_return_eligibility", order_id="O-5002", product_id="P-101"),
                        {"content": "P-101 of O-5002 can be returned."},
                    ],
                },
                "synthesize": [{"content": "It can be returned."}],
            }
        )
        handle = await relay.start(goal="Return my shirt.", model=script, app="handing")
        result = await handle.result()
        [task] = result.tasks
        agent = await relay.client.get_workflow_handle(task.workflow_id).result()
        # Both runs of the agent's workflow: orders' (ended by the handoff) and returns'.
        runs: list[str] = []
        for _ in range(100):  # visibility lists a closed run shortly after it closes
            query = f"WorkflowId = '{task.workflow_id}'"
            runs = [w.run_id async for w in relay.client.list_workflows(query)]
            if len(runs) == 2:
                break
            await asyncio.sleep(0.1)
        replays = [await replay_workflow(relay.client, handle.id)]
        for run_id in runs:
            history = await relay.client.get_workflow_handle(
                task.workflow_id, run_id=run_id
            ).fetch_history()
            replays.append(await replay_history(history, converter=relay.client.data_converter))
        status = await relay_cli("status", handle.id, env=env_for(relay))

    assert "o · orders → returns (handed off) · completed" in status.out
    assert f'↳ handoff_to_returns({{"note": "{NOTE}"}}) · ok' in status.out

    assert (task.status, task.result) == ("completed", "P-101 of O-5002 can be returned.")
    assert (agent["agent"], agent["handed_off_from"]) == ("returns", ["orders"])
    assert len(runs) == 2 and replays == [None, None, None]
