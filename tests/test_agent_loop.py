"""The agent loop's policy: refused tools, invalid arguments, and the step budget."""

from tests.conftest import Relay


def call(name: str, **arguments: object) -> dict:
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


async def test_disallowed_tool_is_refused_and_the_run_continues(relay: Relay) -> None:
    script = relay.orders_script(
        [
            call("issue_refund", return_id="R-7001", amount=10),
            call("get_last_order", customer_id="C-1001"),
            {"content": "The last order is O-5002."},
        ]
    )
    result = await (await relay.start(model=script)).result()

    [task] = result.tasks
    assert task.status == "completed" and task.result == "The last order is O-5002."
    child = await relay.child_result(task.workflow_id)
    assert [(c.tool, c.outcome) for c in child.tool_calls] == [
        ("issue_refund", "refused"),
        ("get_last_order", "ok"),
    ]
    assert "not allowed for agent 'orders'" in child.tool_calls[0].detail
    assert relay.rows("SELECT * FROM refunds") == []


async def test_invalid_arguments_go_back_to_the_model_then_a_fixed_call_works(relay: Relay) -> None:
    script = relay.orders_script(
        [
            call("get_last_order", customer_id="1001"),
            call("get_last_order", customer_id="C-1001"),
            {"content": "The last order is O-5002."},
        ]
    )
    handle = await relay.start(model=script)
    result = await handle.result()

    child = await relay.child_result(result.tasks[0].workflow_id)
    assert [(c.outcome, c.arguments) for c in child.tool_calls] == [
        ("invalid", {"customer_id": "1001"}),
        ("ok", {"customer_id": "C-1001"}),
    ]
    assert "customer_id" in child.tool_calls[0].detail
    assert "does not match" in child.tool_calls[0].detail
    assert result.status == "completed"
