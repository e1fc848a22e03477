"""A decision on a goal's approval from outside (`relay approve`, the inbox), with or without a
worker. While a worker answers, the approvals come from a query and the decision goes as an
update, whose outcome (taken, or refused and why) the caller learns. With none, a query or an
update would wait for one: the approvals come from history and the decision goes as a signal,
which waits in history and takes effect when a worker returns."""

from dataclasses import dataclass

from temporalio.client import Client, WorkflowHandle

from relay.agents.approvals import (
    ApprovalDecision,
    ApprovalRecord,
    DecisionRequest,
    PendingApproval,
)
from relay.client.goals import ask_if_served
from relay.temporal.goal_history import read_goal
from relay.workflows.supervisor import SupervisorWorkflow


@dataclass
class OpenApprovals:
    approvals: list[PendingApproval]
    served: bool  # a worker answered: a decision goes as an update


async def open_approvals(client: Client, handle: WorkflowHandle, task_queue: str) -> OpenApprovals:
    asked = await ask_if_served(client, handle, task_queue, SupervisorWorkflow.pending_approvals)
    if asked is not None:
        return OpenApprovals(asked, served=True)
    return OpenApprovals((await read_goal(client, handle.id)).pending, served=False)


async def deliver(
    handle: WorkflowHandle, request: DecisionRequest, served: bool
) -> ApprovalRecord | None:
    """The workflow's record of the decision (an update); None when it went as a signal."""
    if served:
        return await handle.execute_update(SupervisorWorkflow.decide, request)
    decision = ApprovalDecision.model_validate(request.model_dump(exclude={"approve"}))
    signal = SupervisorWorkflow.approve if request.approve else SupervisorWorkflow.reject
    await handle.signal(signal, decision)
    return None
