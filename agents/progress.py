"""A goal's progress while it runs: the supervisor's `progress` query, the Web UI's table and
`relay status` all read this one shape."""

from pydantic import BaseModel

from relay.agents.approvals import PendingApproval
from relay.agents.llm_models import Usage


class TaskProgress(BaseModel):
    id: str
    agent: str
    status: str  # waiting, running, or the agent's final status
    workflow_id: str = ""
    usage: Usage | None = None  # known once the agent finished
    task_queue: str = ""  # the agent's own worker pool, when it has one


class GoalProgress(BaseModel):
    status: str  # planning, running, waiting_for_approval, or the goal's final status
    tasks: list[TaskProgress]
    pending: list[PendingApproval]
    usage: Usage
