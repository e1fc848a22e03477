"""Replaying recorded histories against the current workflow code."""

import json
from collections.abc import Sequence
from pathlib import Path

from relay.temporal.codec import data_converter
from relay.worker import WORKFLOWS
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer


async def replay_history(
    history: WorkflowHistory,
    workflows: Sequence[type] = WORKFLOWS,
    converter: DataConverter | None = None,
) -> str | None:
    """None when the history replays cleanly against these workflow classes; otherwise what
    diverged. Encrypted histories need the converter with the codec that wrote them."""
    replayer = Replayer(workflows=workflows, data_converter=converter or data_converter(None))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return None if result.replay_failure is None else str(result.replay_failure)


async def replay_workflow(client: Client, workflow_id: str) -> str | None:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return await replay_history(history, converter=client.data_converter)


async def replay_file(
    path: Path, workflows: Sequence[type] = WORKFLOWS, converter: DataConverter | None = None
) -> str | None:
    """A history exported with `temporal workflow show -o json` or by tests/record_histories.py.

    Workflows derive child ids from their own id, so replay needs the original id: taken from
    a top-level "workflowId" key when the file has one, else from the file name.
    """
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read history {path}: {err}") from err
    if not isinstance(data, dict) or "events" not in data:
        raise ValueError(f"{path} is not a workflow history (no 'events')")
    workflow_id = data.pop("workflowId", None) or path.stem
    return await replay_history(WorkflowHistory.from_json(workflow_id, data), workflows, converter)
