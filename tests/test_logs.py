"""Log lines from workflows and activities carry the run's ids, are JSON, and are redacted."""

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from relay.agents.redaction import Redaction
from relay.temporal.logs import configure_logging
from tests.conftest import running_relay
from tests.test_agent_loop import call


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(redaction=Redaction(), stream=stream)
    # A workflow's line per model ask is debug (the activity logs the answer at info).
    workflow_logger = logging.getLogger("temporalio.workflow")
    workflow_logger.setLevel(logging.DEBUG)
    yield stream
    workflow_logger.setLevel(logging.NOTSET)
    root.handlers = handlers
    root.setLevel(level)


async def test_workflow_and_activity_lines_carry_the_ids(
    temporal_server, tmp_path: Path, log_stream: io.StringIO
) -> None:
    async with running_relay(temporal_server, tmp_path) as relay:
        script = relay.orders_script(
            [call("get_last_order", customer_id="C-1001"), {"content": "It is O-5002."}]
        )
        handle = await relay.start(model=script)
        await handle.result()
        logging.getLogger("relay.test").warning("card 4111 1111 1111 1111 seen")

    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    child_id = f"{handle.id}/orders-1"
    asked = [
        line
        for line in lines
        if line["logger"] == "temporalio.workflow" and line.get("workflow_id") == child_id
    ]
    assert asked, "no workflow log line of the orders agent"
    assert {"run_id", "workflow_type", "agent", "step"} <= asked[0].keys()
    assert (asked[0]["agent"], asked[0]["workflow_type"]) == ("orders", "AgentWorkflow")

    tool = next(line for line in lines if line.get("activity_type") == "tool")
    assert (tool["workflow_id"], tool["agent"], tool["tool"]) == (
        child_id,
        "orders",
        "get_last_order",
    )
    assert {"activity_id", "run_id", "timestamp", "level"} <= tool.keys()
    llm = next(line for line in lines if line.get("activity_type") == "llm")
    assert llm["step"] >= 1 and llm["agent"] in ("planner", "orders", "supervisor")

    [card] = [line for line in lines if line["logger"] == "relay.test"]
    assert card["event"] == "card [redacted card] seen"
