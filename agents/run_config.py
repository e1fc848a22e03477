"""What a run records of the app and the worker when it starts (`load_run_config`): agents,
routes, the tool catalog and the worker's defaults, kept in history so a redeploy never
changes a run in flight."""

from typing import Any

from pydantic import BaseModel, Field

from relay.agents.approvals import ApprovalPolicy
from relay.agents.internal import InternalModel
from relay.agents.models import Budget, HistoryLimit
from relay.agents.redaction import Redaction
from relay.agents.specs import Agent, Route
from relay.agents.tool_models import ToolInfo


class RunConfigRequest(BaseModel):
    goal_id: str
    app: str | None = None  # the goal's (GoalRequest.app); None: any app may run it
    app_digest: str | None = None


class RunConfig(InternalModel):
    """The app (agents, routes, tool catalog) and the worker's defaults, fetched once per run
    and kept in history: a worker redeployed with other agents does not change a run."""

    app: str
    agents: list[Agent]
    routes: list[Route] = Field(default_factory=list)
    id_pattern: str
    default_model: str | None
    budget: Budget = Field(default_factory=Budget)
    loop_limit: int = 3
    max_calls_per_turn: int = 5
    approval_timeout_seconds: float
    agent_models: dict[str, str] = Field(default_factory=dict)  # agent -> its own route
    tools: dict[str, list[ToolInfo]]  # agent name -> the tools it may use
    approval_policy: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    signed_decisions: bool = False
    redaction: Redaction = Field(default_factory=Redaction)
    keep_effects: list[str] = Field(default_factory=list)  # tools whose effects a failure keeps
    max_goal_bytes: int = 8 * 1024
    search_attributes: bool = False  # relay's search attributes are registered
    context_tokens: int | None = None  # each agent's model input window
    # Set by workers since the bookkeeping cut: the Web UI's search attributes change with a
    # run's status and pending approvals only (not its cost on every model call), agents start
    # with theirs, and an agent tells its supervisor of a decision in one notice. Recorded, so
    # runs started before replay as they ran, with no patch marker in every new history.
    lean_bookkeeping: bool = False
    history_limit: HistoryLimit = Field(default_factory=HistoryLimit)
    output_schema: dict[str, Any] | None = None  # the goal's typed answer (App.output)
    # Set by workers since the inbox reads visibility: agents keep the approvals they wait on
    # in their memo (agents/pending_memo.py). Recorded like lean_bookkeeping: no patch marker.
    pending_memo: bool = False
    # Set by workers since small local models: a goal routed to one candidate agent becomes that
    # agent's task without asking the planner. Recorded like lean_bookkeeping: no patch marker.
    direct_single_agent: bool = False
    # Set by workers since the local routes' 4,096-token context: the window of an agent on a
    # route with a local model when context_tokens sets none. Recorded: no patch marker.
    local_context_tokens: int | None = None
    # App(memory=Memory(opening=N)): memories relevant to its task put in the opening of each
    # agent that lists `recall`. Recorded; 0 for apps without memory.
    memory_opening: int = 0
    # App(cache_responses=...): how long a model's answer may be given again. Recorded.
    response_cache_seconds: int | None = None
    # Set by workers since tools go by reference: each agent's tools digest. Its tasks then
    # carry the tools' policy only; the schemas stay here, recorded once. No patch marker.
    tool_digests: dict[str, str] = Field(default_factory=dict)
    # Whether the worker that loaded the run runs short checks and reads as local activities:
    # True (it caches workflows), False (it does not, or RELAY_LOCAL_ACTIVITIES=0: a worker
    # without a cache would time out each such workflow task), None (a run started before:
    # signature checks local, reads activities, as it recorded them).
    local_activities: bool | None = None

    def route_of(self, agent: Agent, route: str) -> str:
        """An agent's model route: the worker's choice for it, its own, else the goal's."""
        return self.agent_models.get(agent.name) or agent.model or route

    def tools_of(self, agent: str) -> tuple[list[ToolInfo], str | None]:
        """The tools an agent's task carries, and their digest when they go by reference."""
        tools = self.tools.get(agent, [])
        digest = self.tool_digests.get(agent)
        return ([t.policy_only() for t in tools], digest) if digest else (tools, None)

    def window_for(self, route: str) -> int | None:
        """An agent's input window on `route` (a fallback list may reach a local model)."""
        if self.context_tokens is not None or "local:" not in route:
            return self.context_tokens
        return self.local_context_tokens
