"""The raw-Temporal twin of a relay goal, for `make bench`: the same Temporal operations with
no-op bodies, so relay's overhead over Temporal itself can be measured.

The twin is derived from a real goal's histories, so it follows relay's operations as they
are today, not as someone counted them once: every activity (a no-op), search-attribute and
memo upsert (the same values), timer (started, cancelled or awaited as recorded), child
workflow, signal sent, signal awaited and the wait for the client's decision, in each
workflow's recorded order. Where relay runs a read as a local activity, the twin calls it as a
plain activity, as a naive implementation would (issue 29: what Temporal offers that a naive
twin does not use).
Signals are counted, not matched, and arrive buffered, so the recorded causal order replays
without deadlock.

Fair to Temporal, not to relay: commands relay gave in one workflow task (two children
started, a child started and an upsert, a signal and a timer) the twin gives in one too (each
operation carries the workflow task that completed it, and the twin awaits only the last of
a task's commands); and its module is passed through the sandbox as relay's is (imported once,
not again for every run), so neither pays the sandbox's re-import.

`python -m benchmarks.twin ADDRESS QUEUE` runs a twin worker (default settings, as relay's).
"""

import asyncio
import json
import os
import sys
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from relay.agents.search_keys import (
    RELAY_AGENT,
    RELAY_COST_USD,
    RELAY_PENDING_APPROVALS,
    RELAY_STATUS,
)
from relay.temporal.compression import CompressionCodec

KEYS: dict[str, SearchAttributeKey[Any]] = {
    k.name: k for k in (RELAY_AGENT, RELAY_STATUS, RELAY_PENDING_APPROVALS, RELAY_COST_USD)
}
Op = list[Any]  # [kind, workflow task or None, *arguments], JSON all the way
# As relay's worker passes `relay` through (worker.py RUNNER).
RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("benchmarks")
)


def _size(payloads: Any) -> int:
    return sum(len(p.data) for p in payloads.payloads)


def operations(
    history: WorkflowHistory, histories: dict[str, WorkflowHistory], sized: bool = False
) -> list[Op]:
    """One workflow's operations, in its history's order; children's nested. `sized`: every
    input, result and signal carries as many bytes as relay's did (filler), so the twin's
    payloads weigh what relay's do and only relay's own work differs."""
    ops: list[Op] = []
    children: dict[str, int] = {}
    results = {
        e.activity_task_completed_event_attributes.scheduled_event_id: _size(
            e.activity_task_completed_event_attributes.result
        )
        for e in history.events
        if sized and e.HasField("activity_task_completed_event_attributes")
    }
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            size = _size(scheduled.input) if sized else 0
            ops.append(["activity", _task(scheduled), size, results.get(event.event_id, 0)])
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            ops.append(_local(event.marker_recorded_event_attributes, sized))
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            upsert = event.upsert_workflow_search_attributes_event_attributes
            fields = upsert.search_attributes.indexed_fields
            values = {k: json.loads(p.data) for k, p in fields.items() if k in KEYS}
            ops.append(["upsert", _task(upsert), values])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
            modified = event.workflow_properties_modified_event_attributes
            memo = {k: json.loads(p.data) for k, p in modified.upserted_memo.fields.items()}
            ops.append(["memo", _task(modified), memo])
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            timer = event.timer_started_event_attributes
            seconds = timer.start_to_fire_timeout.ToTimedelta().total_seconds()
            ops.append(["timer_start", _task(timer), timer.timer_id, seconds])
        elif kind == EventType.EVENT_TYPE_TIMER_CANCELED:
            cancel = event.timer_canceled_event_attributes
            ops.append(["timer_cancel", _task(cancel), cancel.timer_id])
        elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
            ops.append(["timer_wait", None, event.timer_fired_event_attributes.timer_id])
        elif kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            start = event.start_child_workflow_execution_initiated_event_attributes
            children[start.workflow_id] = len(children)
            child_ops = operations(histories[start.workflow_id], histories, sized)
            ops.append(["child_start", _task(start), children[start.workflow_id], child_ops])
        elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
            done = event.child_workflow_execution_completed_event_attributes
            ops.append(["child_wait", None, children[done.workflow_execution.workflow_id]])
        elif kind == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
            target = event.signal_external_workflow_execution_initiated_event_attributes
            child = children.get(target.workflow_execution.workflow_id)
            size = _size(target.input) if sized else 0
            ops.append(["signal", _task(target), "parent" if child is None else child, size])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            sent_by = event.workflow_execution_signaled_event_attributes.external_workflow_execution
            ops.append(["await_signal" if sent_by.workflow_id else "await_client", None])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED and sized:
            completed = event.workflow_execution_completed_event_attributes
            ops.append(["return", None, _size(completed.result)])
    if sized:  # the input itself: the operations, filled up to relay's input (see filled)
        started = history.events[0].workflow_execution_started_event_attributes
        ops.insert(0, ["pad", None, max(0, _size(started.input) - len(json.dumps(ops)))])
    return ops


def _local(marker: Any, sized: bool) -> Op:
    """A local activity, recorded once it ran (always awaited). relay's reads run as local
    tool activities; a naive twin calls every tool as a plain activity, so it does here."""
    data = json.loads(marker.details["data"].payloads[0].data) if "data" in marker.details else {}
    if data.get("activity_type") != "tool":
        return ["local_activity", None]
    result = marker.details.get("result")
    if not sized or result is None:
        return ["activity", None, 0, 0]
    called = json.loads(CompressionCodec.decompress(result.payloads[0]).data).get("request")
    return ["activity", None, len(json.dumps(called)), _size(result)]


def _task(command: Any) -> int:
    """The workflow task whose completion gave this command."""
    return int(command.workflow_task_completed_event_id)


def filled(ops: list[Op]) -> list[Op]:
    """The operations as a workflow's input: its filler made real here, not in its parent's
    input (where the children's operations are nested)."""
    if ops and ops[0][0] == "pad":
        return [["pad", None, "x" * ops[0][2]], *ops[1:]]
    return ops


def _pair(name: str, value: Any) -> SearchAttributePair[Any]:
    key = KEYS[name]
    return SearchAttributePair(key, float(value) if key is RELAY_COST_USD else value)


@activity.defn(name="twin_noop")
async def noop(payload: str, result_size: int) -> str:
    return "x" * result_size


@workflow.defn(name="TwinWorkflow")
class TwinWorkflow:
    """Runs its operations in order; `waiting_for_client` is what the bench polls before it
    sends the decision, as it polls relay's pending approvals."""

    def __init__(self) -> None:
        self._signals = 0
        self._client_signals = 0
        self._awaited = 0
        self._client_awaited = 0
        self.waiting = False

    @workflow.run
    async def run(self, ops: list[Op]) -> str:
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._children: dict[int, asyncio.Task[Any]] = {}
        self._unawaited: list[asyncio.Task[Any]] = []
        result = "done"
        for index, op in enumerate(ops):
            if op[0] == "return":
                result = "x" * op[2]
                continue
            work = self._operation(op)
            if work is None:
                continue
            # The last command of a workflow task is awaited; the ones before it went in the
            # same task, so they are not.
            later = ops[index + 1] if index + 1 < len(ops) else None
            if op[1] is not None and later is not None and later[1] == op[1]:
                self._unawaited.append(asyncio.ensure_future(work))
            else:
                await work
        await asyncio.gather(*self._unawaited)
        for timer in self._timers.values():
            timer.cancel()
        return result

    def _operation(self, op: Op) -> Any:
        """What an operation does; what to await for it, or None when nothing is."""
        kind, args = op[0], op[2:]
        info = workflow.info()
        if kind == "activity":
            return workflow.execute_activity(
                noop, args=["x" * args[0], args[1]], start_to_close_timeout=timedelta(seconds=30)
            )
        if kind == "local_activity":
            return workflow.execute_local_activity(
                noop, args=["", 0], start_to_close_timeout=timedelta(seconds=30)
            )
        if kind == "upsert":
            workflow.upsert_search_attributes(
                TypedSearchAttributes([_pair(k, v) for k, v in args[0].items()])
            )
        elif kind == "memo":
            workflow.upsert_memo(args[0])
        elif kind == "timer_start":
            self._timers[args[0]] = asyncio.ensure_future(workflow.sleep(args[1]))
        elif kind == "timer_cancel":
            self._timers.pop(args[0]).cancel()
        elif kind == "timer_wait":
            return self._timers.pop(args[0])
        elif kind == "child_start":
            start = workflow.start_child_workflow(
                TwinWorkflow.run, filled(args[1]), id=f"{info.workflow_id}/{args[0]}"
            )
            self._children[args[0]] = asyncio.ensure_future(start)
            return self._children[args[0]]
        elif kind == "child_wait":
            return self._child_result(args[0])
        elif kind == "signal":
            return self._signal(args[0], args[1])
        elif kind == "await_signal":
            self._awaited += 1
            return workflow.wait_condition(lambda n=self._awaited: self._signals >= n)
        elif kind == "await_client":
            return self._client_decision()
        return None

    async def _child_result(self, child: int) -> None:
        await (await self._children[child])

    async def _signal(self, target: str | int, size: int) -> None:
        info = workflow.info()
        if target == "parent" and info.parent is not None:
            handle: Any = workflow.get_external_workflow_handle(info.parent.workflow_id)
        else:
            handle = await self._children[int(target)]
        await handle.signal(TwinWorkflow.nudge, "x" * size)

    async def _client_decision(self) -> None:
        self._client_awaited += 1
        self.waiting = True
        await workflow.wait_condition(lambda n=self._client_awaited: self._client_signals >= n)
        self.waiting = False

    @workflow.signal
    def nudge(self, filler: str = "") -> None:
        self._signals += 1

    @workflow.signal
    def decide(self) -> None:
        self._client_signals += 1

    @workflow.query
    def waiting_for_client(self) -> bool:
        return self.waiting


async def serve(address: str, queue: str) -> None:
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[TwinWorkflow],
        activities=[noop],
        # BENCH_TWIN_REIMPORT=1: the SDK's default sandbox, the twin re-imported for every run
        **({} if os.environ.get("BENCH_TWIN_REIMPORT") == "1" else {"workflow_runner": RUNNER}),
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
