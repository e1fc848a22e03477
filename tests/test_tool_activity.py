"""The tool activity on its own: least privilege, validation, and the idempotency ledger."""

import dataclasses
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.tools import ToolActivities
from agents.models import ToolRequest
from settings import Settings
from tools.shop_db import connect


@pytest.fixture
def tools(tmp_path: Path) -> ToolActivities:
    return ToolActivities(Settings(db_path=tmp_path / "shop.db"))


def count(tmp_path: Path, table: str) -> int:
    db = connect(tmp_path / "shop.db")
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_disallowed_tool_is_refused_inside_the_activity(
    tools: ToolActivities, tmp_path: Path
) -> None:
    request = ToolRequest(
        agent="catalog", tool="issue_refund", arguments={"return_id": "R-7001", "amount": 10}
    )
    with pytest.raises(ApplicationError) as refused:
        ActivityEnvironment().run(tools.run_tool, request)
    assert refused.value.type == "ToolNotAllowed" and refused.value.non_retryable
    assert count(tmp_path, "refunds") == 0


def test_invalid_arguments_never_reach_the_tool(tools: ToolActivities, tmp_path: Path) -> None:
    request = ToolRequest(
        agent="returns",
        tool="create_return",
        arguments={"order_id": "O-5002", "product_id": "shirt", "reason": ""},
    )
    with pytest.raises(ApplicationError) as invalid:
        ActivityEnvironment().run(tools.run_tool, request)
    assert invalid.value.type == "InvalidToolArguments"
    assert "product_id" in str(invalid.value) and "reason" in str(invalid.value)
    assert count(tmp_path, "returns") == 0


def test_a_retried_write_returns_the_recorded_result(tools: ToolActivities, tmp_path: Path) -> None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id="wf-1", activity_id="7", attempt=1)
    request = ToolRequest(
        agent="returns",
        tool="create_return",
        arguments={"order_id": "O-5002", "product_id": "P-101", "reason": "too small"},
    )
    first = env.run(tools.run_tool, request)
    env.info = dataclasses.replace(env.info, attempt=2)
    second = env.run(tools.run_tool, request)

    assert first.ok and not first.replayed
    assert second.replayed and second.data == first.data
    assert count(tmp_path, "returns") == 1 and count(tmp_path, "tool_ledger") == 1


def test_business_errors_are_observations(tools: ToolActivities) -> None:
    request = ToolRequest(
        agent="returns",
        tool="check_return_eligibility",
        arguments={"order_id": "O-5002", "product_id": "P-104"},
    )
    observation = ActivityEnvironment().run(tools.run_tool, request)
    assert not observation.ok and observation.error == "order O-5002 has no item P-104"


def test_outside_the_window_is_not_eligible(tools: ToolActivities) -> None:
    request = ToolRequest(
        agent="returns",
        tool="check_return_eligibility",
        arguments={"order_id": "O-5001", "product_id": "P-104"},
    )
    observation = ActivityEnvironment().run(tools.run_tool, request)
    assert observation.ok and observation.data["eligible"] is False
    assert "the return window is 30" in observation.data["reasons"][0]
