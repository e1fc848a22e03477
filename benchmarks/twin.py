"""The raw-Temporal twin of a relay goal, for `make bench`: the same Temporal operations with
no-op bodies, so relay's overhead over Temporal itself can be measured.

The twin is derived from a real goal's histories, so it follows relay's operations as they
are today, not as someone counted them once: every activity (a no-op), search-attribute upsert
(the same values), timer (started, cancelled or awaited as recorded), child workflow, signal
sent, signal awaited and the wait for the client's decision, in each workflow's recorded order.
Signals are counted, not matched, and arrive buffered, so the recorded causal order replays
without deadlock.

`python -m benchmarks.twin ADDRESS QUEUE` runs a twin worker (default settings, as relay's).
"""

import asyncio
import json
import sys
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

from relay.temporal.search_attributes import (
    RELAY_AGENT,
    RELAY_COST_USD,
    RELAY_PENDING_APPROVALS,
    RELAY_STATUS,
)

KEYS: dict[str, SearchAttributeKey[Any]] = {
    k.name: k for k in (RELAY_AGENT, RELAY_STATUS, RELAY_PENDING_APPROVALS, RELAY_COST_USD)
}
Op = list[Any]  # [kind, *arguments], JSON all the way


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
            ops.append(["activity", size, results.get(event.event_id, 0)])
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            ops.append(["local_activity"])
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
            values = {k: json.loads(p.data) for k, p in fields.indexed_fields.items() if k in KEYS}
            ops.append(["upsert", values])
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            timer = event.timer_started_event_attributes
            ops.append(
                [
                    "timer_start",
                    timer.timer_id,
                    timer.start_to_fire_timeout.ToTimedelta().total_seconds(),
                ]
            )
        elif kind == EventType.EVENT_TYPE_TIMER_CANCELED:
            ops.append(["timer_cancel", event.timer_canceled_event_attributes.timer_id])
        elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
            ops.append(["timer_wait", event.timer_fired_event_attributes.timer_id])
        elif kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            child_id = event.start_child_workflow_execution_initiated_event_attributes.workflow_id
            children[child_id] = len(children)
            child_ops = operations(histories[child_id], histories, sized)
            ops.append(["child_start", children[child_id], child_ops])
        elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
            done = event.child_workflow_execution_completed_event_attributes
            ops.append(["child_wait", children[done.workflow_execution.workflow_id]])
        elif kind == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
            target = event.signal_external_workflow_execution_initiated_event_attributes
            child = children.get(target.workflow_execution.workflow_id)
            size = _size(target.input) if sized else 0
            ops.append(["signal", "parent" if child is None else child, size])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            sent_by = event.workflow_execution_signaled_event_attributes.external_workflow_execution
            ops.append(["await_signal"] if sent_by.workflow_id else ["await_client"])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED and sized:
            completed = event.workflow_execution_completed_event_attributes
            ops.append(["return", _size(completed.result)])
    if sized:  # the input itself: the operations, filled up to relay's input (see filled)
        started = history.events[0].workflow_execution_started_event_attributes
        ops.insert(0, ["pad", max(0, _size(started.input) - len(json.dumps(ops)))])
    return ops


def filled(ops: list[Op]) -> list[Op]:
    """The operations as a workflow's input: its filler made real here, not in its parent's
    input (where the children's operations are nested)."""
    if ops and ops[0][0] == "pad":
        return [["pad", "x" * ops[0][1]], *ops[1:]]
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
        self.waiting = False

    @workflow.run
    async def run(self, ops: list[Op]) -> str:
        timers: dict[str, asyncio.Task[None]] = {}
        children: dict[int, Any] = {}
        awaited = client_awaited = 0
        result = "done"
        info = workflow.info()
        for op in ops:
            kind = op[0]
            if kind == "activity":
                await workflow.execute_activity(
                    noop, args=["x" * op[1], op[2]], start_to_close_timeout=timedelta(seconds=30)
                )
            elif kind == "local_activity":
                await workflow.execute_local_activity(
                    noop, args=["", 0], start_to_close_timeout=timedelta(seconds=30)
                )
            elif kind == "return":
                result = "x" * op[1]
            elif kind == "upsert":
                workflow.upsert_search_attributes(
                    TypedSearchAttributes([_pair(k, v) for k, v in op[1].items()])
                )
            elif kind == "timer_start":
                timers[op[1]] = asyncio.ensure_future(workflow.sleep(op[2]))
            elif kind == "timer_cancel":
                timers.pop(op[1]).cancel()
            elif kind == "timer_wait":
                await timers.pop(op[1])
            elif kind == "child_start":
                children[op[1]] = await workflow.start_child_workflow(
                    TwinWorkflow.run, filled(op[2]), id=f"{info.workflow_id}/{op[1]}"
                )
            elif kind == "child_wait":
                await children[op[1]]
            elif kind == "signal":
                target = info.parent.workflow_id if op[1] == "parent" and info.parent else None
                handle = (
                    children[op[1]]
                    if target is None
                    else workflow.get_external_workflow_handle(target)
                )
                await handle.signal(TwinWorkflow.nudge, "x" * op[2])
            elif kind == "await_signal":
                awaited += 1
                await workflow.wait_condition(lambda n=awaited: self._signals >= n)
            elif kind == "await_client":
                client_awaited += 1
                self.waiting = True
                await workflow.wait_condition(lambda n=client_awaited: self._client_signals >= n)
                self.waiting = False
        for timer in timers.values():
            timer.cancel()
        return result

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
    worker = Worker(client, task_queue=queue, workflows=[TwinWorkflow], activities=[noop])
    await worker.run()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
