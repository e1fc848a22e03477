"""Replaying recorded histories against the current workflow code."""

import asyncio
import contextlib
import functools
import json
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.worker import Replayer

from relay.temporal.codec import data_converter
from relay.temporal.compression import CompressionCodec
from relay.worker import RUNNER, WORKFLOWS

# A replayer names its build; without one, the SDK hashes the bytecode of every loaded module
# (thousands, with the provider SDKs): a third of a second before the first replay.
REPLAY_BUILD_ID = "relay-replay"


def new_replayer(
    workflows: Sequence[type] = WORKFLOWS, converter: DataConverter | None = None
) -> Replayer:
    """A replayer set up as relay's workers are (the same sandbox passthrough)."""
    return Replayer(
        workflows=workflows,
        workflow_runner=RUNNER,
        data_converter=converter or data_converter(CompressionCodec(), encode_failures=False),
        runtime=_quiet_runtime(),
        build_id=REPLAY_BUILD_ID,
    )


async def replay_history(
    history: WorkflowHistory,
    workflows: Sequence[type] = WORKFLOWS,
    converter: DataConverter | None = None,
) -> str | None:
    """None when the history replays cleanly against these workflow classes; otherwise what
    diverged. Encrypted histories need the converter with the codec that wrote them. The
    divergence is the answer, so the SDK's own warnings about it are not printed."""
    replayer = new_replayer(workflows, converter)
    with _sdk_logs_silenced():
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return None if result.replay_failure is None else _first_line(result.replay_failure)


@functools.cache
def _quiet_runtime() -> Runtime:
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet)))


@contextlib.contextmanager
def _sdk_logs_silenced() -> Iterator[None]:
    sdk = logging.getLogger("temporalio")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk.setLevel(level)


def _first_line(failure: Exception) -> str:
    """What diverged, on one line: the innermost `message` of the SDK's failure chain (the
    whole text spans stack traces), e.g. a nondeterminism error or a model that no longer
    decodes the recorded data."""
    text = str(failure)
    messages = [m.encode().decode("unicode_escape") for m in _MESSAGE.findall(text)]
    if messages:
        text = messages[-1] if len(messages) == 1 else f"{messages[0]}: {messages[-1]}"
    text = " ".join(text.split())
    return text if len(text) <= 400 else text[:399] + "…"


_MESSAGE = re.compile(r'message: "((?:[^"\\]|\\.)*)"')


async def replay_workflow(client: Client, workflow_id: str) -> str | None:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return await replay_history(history, converter=client.data_converter)


async def replay_file(
    path: Path, workflows: Sequence[type] = WORKFLOWS, converter: DataConverter | None = None
) -> str | None:
    """A history exported with `temporal workflow show -o json` or by tests/record_histories.py.

    Workflows derive child ids from their own id, so replay needs the original id: taken from
    a top-level "workflowId" key when the file has one, else from the file name. A file is
    checked before the SDK sees it (size, then shape: the SDK's core aborts on some malformed
    histories instead of failing), and a replay that does not end in REPLAY_SECONDS is given up.
    """
    try:
        size = path.stat().st_size
        if size > MAX_HISTORY_BYTES:
            raise ValueError(
                f"{path} is {size} bytes; a history is at most {MAX_HISTORY_BYTES} "
                "(Temporal's own limit)"
            )
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read history {path}: {err}") from err
    problem = _shape_problem(data)
    if problem is not None:
        raise ValueError(f"{path} is not a workflow history: {problem}")
    workflow_id = data.pop("workflowId", None) or path.stem
    try:
        history = WorkflowHistory.from_json(workflow_id, data)
    except Exception as err:  # protobuf's JSON parser: any malformed field
        raise ValueError(f"{path} is not a workflow history: {_first_line(err)}") from err
    try:
        return await asyncio.wait_for(replay_history(history, workflows, converter), REPLAY_SECONDS)
    except TimeoutError:
        raise ValueError(f"replaying {path} did not finish within {REPLAY_SECONDS:g} s") from None


MAX_HISTORY_BYTES = 50 * 1024 * 1024
REPLAY_SECONDS = 120.0
STARTED = ("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "WorkflowExecutionStarted")


def _shape_problem(data: object) -> str | None:
    """What makes this JSON no history the SDK can replay; None when it looks like one."""
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return "no 'events' list"
    events = data["events"]
    if not events or not all(isinstance(e, dict) for e in events):
        return "'events' must be a non-empty list of events"
    first = events[0]
    started = first.get("workflowExecutionStartedEventAttributes")
    if first.get("eventType") not in STARTED or not isinstance(started, dict):
        return "the first event is not a workflow execution start with its attributes"
    workflow_type = started.get("workflowType")
    if not isinstance(workflow_type, dict) or not workflow_type.get("name"):
        return "the start event names no workflow type"
    return None
