"""A goal read from its event histories instead of asked by query: what `relay status` shows
when no worker runs the goal (a query would wait for one), when a goal ended without a result
(failed, cancelled, terminated), and an agent's turns and tool calls at any time (a query would
wake a cold workflow). Payloads are decoded with the client's converter, so an encrypting codec
works as it does for results."""

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.api.common.v1 import Payloads
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from relay.agents.approvals import ApprovalRecord, DecisionAudit, PendingApproval
from relay.agents.llm_models import LlmRequest, LlmResponse, Usage
from relay.agents.models import AgentResult, AgentTask, Plan, ToolCallRecord, TurnRecord
from relay.agents.notices import AgentNotice, Decided
from relay.agents.progress import TaskProgress
from relay.agents.tool_models import ToolObservation, ToolRequest
from relay.agents.typed_output import strip_fences
from relay.temporal.activity_records import ActivityRecord, activity_records

T = TypeVar("T")
TOOL_ACTIVITIES = ("tool", "mcp_tool")
CHILD_ENDINGS = {
    "child_workflow_execution_failed_event_attributes": "failed",
    "child_workflow_execution_canceled_event_attributes": "cancelled",
    "child_workflow_execution_timed_out_event_attributes": "timed_out",
    "child_workflow_execution_terminated_event_attributes": "terminated",
}


class CallView(BaseModel):
    """One tool call as `relay status` shows it."""

    step: int
    tool: str
    arguments: dict[str, Any]
    outcome: str  # ok, error, refused, invalid, rejected; running while it runs
    detail: str = ""
    replayed: bool = False  # the idempotency ledger answered: the effect happened before

    @classmethod
    def of(cls, record: ToolCallRecord) -> "CallView":
        return cls.model_validate(record.model_dump())


class UndoView(BaseModel):
    """An effect undone (a compensating call) after the goal did not complete."""

    agent: str
    tool: str
    arguments: dict[str, Any]
    ok: bool | None  # None while the undo runs
    detail: str = ""


@dataclass
class AgentHistory:
    turns: list[TurnRecord] = field(default_factory=list)
    calls: list[CallView] = field(default_factory=list)
    undone: list[UndoView] = field(default_factory=list)


@dataclass
class GoalHistory:
    tasks: list[TaskProgress] = field(default_factory=list)
    results: dict[str, AgentResult] = field(default_factory=dict)  # by task id
    pending: list[PendingApproval] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)  # the supervisor's own model calls
    undone: list[UndoView] = field(default_factory=list)  # undone by the supervisor
    audit: list[DecisionAudit] = field(default_factory=list)  # as the agents reported it


async def decoded(client: Client, payloads: Payloads, kind: type[T]) -> T | None:
    """The first payload as `kind`; None when there is none or it cannot be read as one."""
    if not payloads.payloads:
        return None
    try:
        [value] = await client.data_converter.decode(payloads.payloads[:1], [kind])
    except (ValueError, TypeError, RuntimeError):
        return None
    return value


class _Reader:
    def __init__(self, client: Client) -> None:
        self._client = client

    async def events(self, workflow_id: str) -> list[HistoryEvent]:
        history = await self._client.get_workflow_handle(workflow_id).fetch_history()
        return list(history.events)

    async def value(self, payloads: Payloads, kind: type[T]) -> T | None:
        return await decoded(self._client, payloads, kind)


def _failure(event: HistoryEvent) -> str:
    which = event.WhichOneof("attributes") or ""
    failure = getattr(getattr(event, which), "failure", None)
    if failure is None or not failure.message:
        return which.removeprefix("activity_task_").removesuffix("_event_attributes")
    cause = failure.cause.message if failure.HasField("cause") else ""
    return f"{failure.message}: {cause}" if cause else failure.message


async def _tool_calls(
    reader: _Reader, activities: list[ActivityRecord]
) -> tuple[list[CallView], list[UndoView]]:
    calls, undone = [], []
    for entry in activities:
        if entry.kind not in TOOL_ACTIVITIES:
            continue
        observation, failure = None, ""
        if entry.result is not None:
            observation = await reader.value(entry.result, ToolObservation)
        elif entry.ended is not None:
            failure = _failure(entry.ended)
        request = await _asked(reader, entry, observation)
        if request is None or request.check_only:
            continue
        place = (request.ledger_key or "").rsplit("/", 1)[-1]
        if place.startswith("undo-"):
            ok = None if entry.ended is None else observation is not None and observation.ok
            detail = failure or (observation.error or "" if observation else "")
            undone.append(
                UndoView(
                    agent=request.agent,
                    tool=request.tool,
                    arguments=request.arguments,
                    ok=ok,
                    detail=detail,
                )
            )
            continue
        step = int(place.split(".", 1)[0]) if place[:1].isdigit() else 0
        if observation is None:
            outcome = "running" if entry.ended is None else "error"
        else:
            outcome = "ok" if observation.ok else "refused" if observation.refused else "error"
        calls.append(
            CallView(
                step=step,
                tool=request.tool,
                arguments=request.arguments,
                outcome=outcome,
                detail=failure or (observation.error or "" if observation else ""),
                replayed=observation is not None and observation.replayed,
            )
        )
    return calls, undone


async def _asked(
    reader: _Reader, entry: ActivityRecord, observation: ToolObservation | None
) -> ToolRequest | None:
    """The call a tool activity ran: its input, or for a local one what its result names (a
    local call that failed names none)."""
    if entry.input is not None:
        return await reader.value(entry.input, ToolRequest)
    return observation.request if observation is not None else None


async def _replies(
    reader: _Reader, activities: list[ActivityRecord]
) -> list[tuple[LlmRequest, LlmResponse]]:
    """The model calls that were answered, with what was asked."""
    pairs = []
    for entry in activities:
        if entry.kind != "llm" or entry.input is None or entry.result is None:
            continue
        request = await reader.value(entry.input, LlmRequest)
        reply = await reader.value(entry.result, LlmResponse)
        if request is not None and reply is not None:
            pairs.append((request, reply))
    return pairs


async def tool_results(
    client: Client, workflow_id: str
) -> list[tuple[ToolRequest, ToolObservation]]:
    """The tool calls of a run that returned, with what each returned, in order."""
    reader = _Reader(client)
    pairs = []
    for entry in activity_records(await reader.events(workflow_id)):
        if entry.kind not in TOOL_ACTIVITIES or entry.result is None:
            continue
        observation = await reader.value(entry.result, ToolObservation)
        request = await _asked(reader, entry, observation)
        if request is not None and observation is not None and not request.check_only:
            pairs.append((request, observation))
    return pairs


async def read_agent(client: Client, workflow_id: str) -> AgentHistory:
    """An agent's model turns, tool calls and undone effects, from its history."""
    reader = _Reader(client)
    activities = activity_records(await reader.events(workflow_id))
    turns = [
        TurnRecord.of(request.step, reply)
        for request, reply in await _replies(reader, activities)
        if request.purpose == "agent"
    ]
    calls, undone = await _tool_calls(reader, activities)
    return AgentHistory(turns=turns, calls=calls, undone=undone)


async def read_goal(client: Client, workflow_id: str) -> GoalHistory:
    """The supervisor's view of a goal, from its history: the plan's tasks and how each
    agent's run went, the approvals its agents asked for and have not settled, its own model
    calls' usage and the effects it undid."""
    reader = _Reader(client)
    events = await reader.events(workflow_id)
    activities = activity_records(events)
    goal = GoalHistory()
    plan: Plan | None = None
    for request, reply in await _replies(reader, activities):
        goal.usage = goal.usage.plus(reply.usage)
        if request.purpose == "plan":
            plan = _plan(reply.content) or plan
    children: dict[str, TaskProgress] = {}
    pending: dict[str, PendingApproval] = {}
    for event in events:
        which = event.WhichOneof("attributes") or ""
        if which == "start_child_workflow_execution_initiated_event_attributes":
            attributes = event.start_child_workflow_execution_initiated_event_attributes
            task = await reader.value(attributes.input, AgentTask)
            if task is not None:
                children[attributes.workflow_id] = TaskProgress(
                    id=task.task_id,
                    agent=task.agent,
                    status="running",
                    workflow_id=attributes.workflow_id,
                    task_queue=attributes.task_queue.name,
                )
        elif which == "child_workflow_execution_completed_event_attributes":
            attributes = event.child_workflow_execution_completed_event_attributes
            progress = children.get(attributes.workflow_execution.workflow_id)
            result = await reader.value(attributes.result, AgentResult)
            if progress is not None and result is not None:
                progress.status, progress.usage = result.status, result.usage
                goal.results[progress.id] = result
        elif which in CHILD_ENDINGS:
            execution = getattr(event, which).workflow_execution
            if execution.workflow_id in children:
                children[execution.workflow_id].status = CHILD_ENDINGS[which]
        elif which == "workflow_execution_signaled_event_attributes":
            attributes = event.workflow_execution_signaled_event_attributes
            if attributes.signal_name == "agent_notice":
                notice = await reader.value(attributes.input, AgentNotice)
                if notice is not None and notice.sender in children:
                    _note(pending, goal.audit, notice)
    started = {t.id: t for t in children.values()}
    planned = plan.tasks if plan is not None else []
    goal.tasks = [
        started.get(t.id) or TaskProgress(id=t.id, agent=t.agent, status="waiting") for t in planned
    ] + [t for t in started.values() if t.id not in {p.id for p in planned}]
    goal.pending = list(pending.values())
    goal.undone = (await _tool_calls(reader, activities))[1]
    return goal


def _plan(content: str) -> Plan | None:
    try:
        return Plan.model_validate_json(strip_fences(content))
    except ValidationError:
        return None


def _note(
    pending: dict[str, PendingApproval], audit: list[DecisionAudit], notice: AgentNotice
) -> None:
    """Keep the supervisor's view of open approvals and of the decisions: a request opens an
    approval; a settlement (or a decision that settles) closes it; a decision is audited."""
    try:
        body = json.loads(notice.body)
        if notice.kind == "requested":
            approval = PendingApproval.model_validate(body)
            pending[approval.approval_id] = approval
        elif notice.kind == "settled":
            pending.pop(ApprovalRecord.model_validate(body).approval_id, None)
        elif notice.kind == "audited":
            audit.append(DecisionAudit.model_validate(body))
        elif notice.kind == "decided":
            decided = Decided.model_validate(body)
            pending.pop(decided.record.approval_id, None)
            audit.append(decided.audit)
    except (ValueError, ValidationError):
        return
