"""A goal as a tree of supervisor -> agents -> model turns and tool calls, with status, usage
and pending approvals, read from Temporal: what `relay status` and `GET /goals/ID` show."""

from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from relay.agents.approvals import PendingApproval
from relay.agents.llm_models import Usage
from relay.agents.models import AgentResult, GoalResult, TurnRecord
from relay.agents.progress import TaskProgress
from relay.client.errors import failure_text
from relay.client.goals import ask_if_served, has_workers
from relay.temporal.goal_history import CallView, UndoView, read_agent, read_goal
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
