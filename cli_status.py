"""`relay status`: a goal as a tree of supervisor -> agents -> model turns, with status, model,
tokens, cost, latency and pending approvals; as text, redrawn with --watch, or as JSON."""

import json

from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from relay.agents.approvals import PendingApproval
from relay.agents.llm_models import Usage
from relay.agents.models import AgentResult, GoalResult, TurnRecord
from relay.agents.progress import TaskProgress
from relay.cli_output import cache_note, failure_text
from relay.temporal.goal_history import CallView, UndoView, read_agent, read_goal
from relay.temporal.goals import ask_if_served, has_workers
from relay.workflows.agent import AgentWorkflow
from relay.workflows.supervisor import SupervisorWorkflow


class AgentNode(BaseModel):
    task: TaskProgress
    turns: list[TurnRecord] = Field(default_factory=list)
    calls: list[CallView] = Field(default_factory=list)
    undone: list[UndoView] = Field(default_factory=list)  # effects it undid as it stopped
    # The agents that handed the task over, in order, and who finished it (a finished run's).
    handed_off_from: list[str] = Field(default_factory=list)
    finished_by: str | None = None
    # Set when the agent's own task queue has no worker polling it: the run waits for one.
    no_worker: str | None = None


class GoalSnapshot(BaseModel):
    workflow_id: str
    run_id: str | None
    execution_status: str
    status: str  # the goal's own: planning, running, waiting_for_approval, completed, ...
    usage: Usage = Field(default_factory=Usage)
    agents: list[AgentNode] = Field(default_factory=list)
    pending_approvals: list[PendingApproval] = Field(default_factory=list)
    result: GoalResult | None = None
    error: str | None = None
    undone: list[UndoView] = Field(default_factory=list)  # effects the supervisor undid
    # The Worker Deployment version the run is pinned to ("build v1 of relay"); None unversioned.
    deployment: str | None = None
    # The goal's task queue, when it runs and no worker polls it: read from history instead.
    no_worker: str | None = None

    @property
    def running(self) -> bool:
        return self.execution_status == "running"


async def snapshot(client: Client, handle: WorkflowHandle) -> GoalSnapshot:
    """A goal's tree. A running goal's supervisor is asked by query while a worker polls its
    task queue; otherwise (no worker, or a goal that failed or was cancelled) the tree is read
    from history. Agents are read from their results or histories, never by query."""
    info = await handle.describe()
    state = info.status.name.lower() if info.status else "unknown"
    version = info.raw_description.workflow_execution_info.versioning_info.deployment_version
    shot = GoalSnapshot(
        workflow_id=handle.id,
        run_id=info.run_id,
        execution_status=state,
        status=state,
        deployment=f"build {version.build_id} of {version.deployment_name}"
        if version.build_id
        else None,
    )
    results: dict[str, AgentResult] = {}
    running = info.status == WorkflowExecutionStatus.RUNNING
    progress = None
    if running:
        progress = await ask_if_served(client, handle, info.task_queue, SupervisorWorkflow.progress)
    if progress is not None:
        shot.status, shot.usage = progress.status, progress.usage
        shot.pending_approvals = progress.pending
        tasks = progress.tasks
    elif info.status == WorkflowExecutionStatus.COMPLETED:
        shot.result = await handle.result()
        shot.status, shot.usage = shot.result.status, shot.result.usage
        tasks = [
            TaskProgress(
                id=t.id, agent=t.agent, status=t.status, workflow_id=t.workflow_id, usage=t.usage
            )
            for t in shot.result.tasks
        ]
    else:
        goal = await read_goal(client, handle.id)
        tasks, results, shot.undone = goal.tasks, goal.results, goal.undone
        shot.pending_approvals, shot.usage = goal.pending, goal.usage
        for task in tasks:
            shot.usage = shot.usage.plus(task.usage or Usage())
        if running:
            shot.no_worker = info.task_queue
            shot.status = "waiting_for_approval" if goal.pending else "running"
        elif info.status == WorkflowExecutionStatus.FAILED:
            try:
                await handle.result()
            except WorkflowFailureError as err:
                shot.error = failure_text(err)
    shot.agents = [await _agent_node(client, t, results.get(t.id)) for t in tasks]
    # The supervisor counts an agent's usage when it finishes; a running one's turns so far
    # count too.
    for node in shot.agents:
        if node.task.usage is None:
            for turn in node.turns:
                shot.usage = shot.usage.plus(turn.usage)
    return shot


async def _agent_node(client: Client, task: TaskProgress, known: AgentResult | None) -> AgentNode:
    node = AgentNode(task=task, no_worker=await _unpolled(client, task))
    if not task.workflow_id:
        return node
    result = known or await _finished(client, task)
    if result is not None:
        node.turns = result.turns
        node.calls = [CallView.of(call) for call in result.tool_calls]
        node.handed_off_from, node.finished_by = result.handed_off_from, result.agent
        return node
    try:
        seen = await read_agent(client, task.workflow_id)
    except RPCError:
        return node  # gone (retention): its task line says what is known
    node.turns, node.calls, node.undone = seen.turns, seen.calls, seen.undone
    return node


async def _finished(client: Client, task: TaskProgress) -> AgentResult | None:
    """The agent's result, when it finished with one (None: it runs, failed or was cancelled)."""
    if task.status in ("waiting", "running"):
        return None
    child = client.get_workflow_handle_for(AgentWorkflow.run, task.workflow_id)
    try:
        return await child.result()
    except (RPCError, WorkflowFailureError):
        return None


async def _unpolled(client: Client, task: TaskProgress) -> str | None:
    """The agent's own task queue, when the agent is not done and no worker polls it."""
    if not task.task_queue or task.status not in ("waiting", "running"):
        return None
    return None if await has_workers(client, task.task_queue) else task.task_queue


def render(shot: GoalSnapshot) -> str:
    so_far = " so far" if shot.running else ""
    pinned = f" · {shot.deployment}" if shot.deployment else ""
    lines = [f"{shot.workflow_id} · {shot.status} · {_spent(shot.usage)}{so_far}{pinned}"]
    if shot.no_worker:
        lines.append(
            f"(no worker polls task queue {shot.no_worker!r}: read from history; the goal "
            "goes on when a worker returns)"
        )
    if shot.error:
        lines.append(f"└── failed: {shot.error}")
    for index, node in enumerate(shot.agents):
        last = index == len(shot.agents) - 1
        unpolled = f" · no worker polls task queue {node.no_worker!r}" if node.no_worker else ""
        lines.append(("└── " if last else "├── ") + _task_line(node) + unpolled)
        children = _steps(node) + [
            f"waiting for an answer to {p.approval_id}: {p.reason}"
            if p.kind == "question"
            else f"waiting for approval {p.approval_id}: {p.tool}({json.dumps(p.arguments)}) "
            f"because {p.reason}"
            for p in shot.pending_approvals
            if p.workflow_id == node.task.workflow_id
        ]
        stem = "    " if last else "│   "
        for position, child in enumerate(children):
            lines.append(stem + ("└── " if position == len(children) - 1 else "├── ") + child)
    if shot.undone:
        lines += ["", "undone by the goal:", *(f"  {_undo_line(u)}" for u in shot.undone)]
    if shot.result is not None:
        lines += ["", shot.result.answer]
    return "\n".join(lines)


def _steps(node: AgentNode) -> list[str]:
    """Each model turn, then the tool calls it made; then what the agent undid."""
    lines, shown = [], set()
    for turn in node.turns:
        lines.append(_turn_line(turn))
        for index, call in enumerate(node.calls):
            if call.step == turn.step:
                lines.append(f"  {_call_line(call)}")
                shown.add(index)
    lines += [_call_line(c) for i, c in enumerate(node.calls) if i not in shown]
    return lines + [_undo_line(u) for u in node.undone]


def _call_line(call: CallView) -> str:
    outcome = "ok, replayed from the ledger" if call.replayed else call.outcome
    detail = f": {call.detail}" if call.detail and call.outcome != "ok" else ""
    return f"↳ {call.tool}({json.dumps(call.arguments)}) · {outcome}{detail}"


def _undo_line(undo: UndoView) -> str:
    state = "running" if undo.ok is None else "ok" if undo.ok else f"FAILED: {undo.detail}"
    return f"undid {undo.tool}({json.dumps(undo.arguments)}) for {undo.agent} · {state}"


def _task_line(node: AgentNode) -> str:
    task = node.task
    agent = task.agent
    if node.handed_off_from:
        agent = f"{' → '.join(node.handed_off_from)} → {node.finished_by} (handed off)"
    parts = [task.id, agent, task.status]
    if task.usage is not None:
        parts.append(_spent(task.usage))
    if task.workflow_id:
        parts.append(task.workflow_id)
    return " · ".join(parts)


def _turn_line(turn: TurnRecord) -> str:
    tools = f" → {', '.join(turn.tools)}" if turn.tools else " → answer"
    if turn.usage.cached_calls:
        return f"step {turn.step} · {turn.model} · from the response cache{tools}"
    return (
        f"step {turn.step} · {turn.model} · {turn.usage.input_tokens} in/"
        f"{turn.usage.output_tokens} out · {_cost(turn.usage)} · {turn.latency_ms:.0f} ms{tools}"
    )


def _spent(usage: Usage) -> str:
    tokens = usage.input_tokens + usage.output_tokens
    return f"{_cost(usage)} · {usage.llm_calls} LLM calls · {tokens} tokens{cache_note(usage)}"


def _cost(usage: Usage) -> str:
    return "cost unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
