"""`relay status`: a goal as a tree of supervisor -> agents -> model turns, with status, model,
tokens, cost, latency and pending approvals; as text, redrawn with --watch, or as JSON."""

import json

from pydantic import BaseModel, Field
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from relay.agents.approvals import PendingApproval
from relay.agents.llm_models import Usage
from relay.agents.models import AgentResult, GoalResult, TurnRecord
from relay.agents.progress import TaskProgress
from relay.cli_output import failure_text
from relay.workflows.agent import AgentWorkflow
from relay.workflows.supervisor import SupervisorWorkflow


class AgentNode(BaseModel):
    task: TaskProgress
    turns: list[TurnRecord] = Field(default_factory=list)
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
    # The Worker Deployment version the run is pinned to ("build v1 of relay"); None unversioned.
    deployment: str | None = None

    @property
    def running(self) -> bool:
        return self.execution_status == "running"


async def snapshot(client: Client, handle: WorkflowHandle) -> GoalSnapshot:
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
    if info.status == WorkflowExecutionStatus.RUNNING:
        progress = await handle.query(SupervisorWorkflow.progress)
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
        if info.status == WorkflowExecutionStatus.FAILED:
            try:
                await handle.result()
            except WorkflowFailureError as err:
                shot.error = failure_text(err)
        return shot
    shot.agents = [
        AgentNode(task=t, turns=await _turns(client, t), no_worker=await _unpolled(client, t))
        for t in tasks
    ]
    # The supervisor counts an agent's usage when it finishes; a running one's turns so far
    # count too.
    for node in shot.agents:
        if node.task.usage is None:
            for turn in node.turns:
                shot.usage = shot.usage.plus(turn.usage)
    return shot


async def _unpolled(client: Client, task: TaskProgress) -> str | None:
    """The agent's own task queue, when the agent is not done and no worker polls it."""
    if not task.task_queue or task.status not in ("waiting", "running"):
        return None
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return None if described.pollers else task.task_queue


async def _turns(client: Client, task: TaskProgress) -> list[TurnRecord]:
    if not task.workflow_id:
        return []
    child = client.get_workflow_handle_for(AgentWorkflow.run, task.workflow_id)
    try:
        if task.status in ("waiting", "running"):
            return await child.query(AgentWorkflow.turns)
        result: AgentResult = await child.result()
        return result.turns
    except (RPCError, WorkflowFailureError):
        return []  # the agent failed or is gone: its task line says what is known


def render(shot: GoalSnapshot) -> str:
    so_far = " so far" if shot.running else ""
    pinned = f" · {shot.deployment}" if shot.deployment else ""
    lines = [f"{shot.workflow_id} · {shot.status} · {_spent(shot.usage)}{so_far}{pinned}"]
    if shot.error:
        lines.append(f"└── failed: {shot.error}")
    for index, node in enumerate(shot.agents):
        last = index == len(shot.agents) - 1
        unpolled = f" · no worker polls task queue {node.no_worker!r}" if node.no_worker else ""
        lines.append(("└── " if last else "├── ") + _task_line(node.task) + unpolled)
        children = [_turn_line(t) for t in node.turns] + [
            f"waiting for approval {p.approval_id}: {p.tool}({json.dumps(p.arguments)}) "
            f"because {p.reason}"
            for p in shot.pending_approvals
            if p.workflow_id == node.task.workflow_id
        ]
        stem = "    " if last else "│   "
        for position, child in enumerate(children):
            lines.append(stem + ("└── " if position == len(children) - 1 else "├── ") + child)
    if shot.result is not None:
        lines += ["", shot.result.answer]
    return "\n".join(lines)


def _task_line(task: TaskProgress) -> str:
    parts = [task.id, task.agent, task.status]
    if task.usage is not None:
        parts.append(_spent(task.usage))
    if task.workflow_id:
        parts.append(task.workflow_id)
    return " · ".join(parts)


def _turn_line(turn: TurnRecord) -> str:
    tools = f" → {', '.join(turn.tools)}" if turn.tools else " → answer"
    return (
        f"step {turn.step} · {turn.model} · {turn.usage.input_tokens} in/"
        f"{turn.usage.output_tokens} out · {_cost(turn.usage)} · {turn.latency_ms:.0f} ms{tools}"
    )


def _spent(usage: Usage) -> str:
    tokens = usage.input_tokens + usage.output_tokens
    return f"{_cost(usage)} · {usage.llm_calls} LLM calls · {tokens} tokens"


def _cost(usage: Usage) -> str:
    return "cost unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
