"""Tool failures inside real runs: a hang is cut off and frees its slot; a transient error is
retried; a permanent one fails the step with its message and the agent carries on."""

from pathlib import Path

import pytest

from relay.temporal.devserver import DevServer
from tests.conftest import running_relay
from tests.extra_tools import CALLS, TEST_APP
from tests.reliability import Describe
from tests.test_agent_loop import call


@pytest.mark.faults
async def test_a_hanging_tool_times_out_frees_its_slot_and_the_run_continues(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    reliability(
        "tool hang",
        "a tool that never returns, on a worker with one activity slot",
        "cut off at its timeout, the slot is freed, the run goes on",
    )
    # One activity slot: if the hung call kept it, no later LLM call could run.
    async with running_relay(
        temporal_server,
        tmp_path,
        TEST_APP,
        worker_options={"max_concurrent_activities": 1},
    ) as relay:
        script = relay.orders_script(
            [
                call("hang_forever"),
                call("get_last_order", customer_id="C-1001"),
                {"content": "The carrier did not answer; the last order is O-5002."},
            ]
        )
        result = await (await relay.start(model=script)).result()

    [task] = result.tasks
    assert task.status == "completed"
    child = await relay.child_result(task.workflow_id)
    hung, lookup = child.tool_calls
    assert (hung.tool, hung.outcome) == ("hang_forever", "error")
    assert "tool hang_forever did not finish within 1s" in hung.detail
    assert (lookup.tool, lookup.outcome) == ("get_last_order", "ok")


@pytest.mark.faults
async def test_transient_failures_retry_and_permanent_ones_fail_the_step(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    reliability(
        "tool exception, retryable and non-retryable",
        "a tool failing twice then succeeding; a tool failing permanently",
        "the first is retried to success, the second fails once with no retry",
    )
    CALLS.clear()
    async with running_relay(temporal_server, tmp_path, TEST_APP) as relay:
        script = relay.orders_script(
            [
                call("flaky_inventory"),
                call("broken_carrier"),
                {"content": "3 in stock; the carrier cannot ship."},
            ]
        )
        result = await (await relay.start(model=script)).result()

    child = await relay.child_result(result.tasks[0].workflow_id)
    flaky, broken = child.tool_calls
    assert flaky.outcome == "ok" and CALLS["flaky_inventory"] == 2
    assert broken.outcome == "error" and CALLS["broken_carrier"] == 1
    assert "the carrier account is suspended" in broken.detail
    assert result.tasks[0].status == "completed"
