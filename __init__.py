"""relay: a durable multi-agent orchestrator on Temporal. This is the public API; everything
else is internal.

    from relay import Agent, App, Approval, ToolContext, ToolSet

    tools = ToolSet()

    @tools.tool(args=ResetArgs, risk="irreversible")  # irreversible: a human decides, always
    def reset_password(args: ResetArgs, ctx: ToolContext) -> dict: ...

    access = Agent("access", description="...", instructions="...", tools=[reset_password])
    app = App("helpdesk", agents=[access], tools=tools)

Names are imported on first use, so `import relay` stays cheap (the CLI's --help, and the
workflow sandbox, which re-imports a workflow's packages).
"""

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Agent": "relay.agents.specs",
    "Route": "relay.agents.specs",
    "App": "relay.app",
    "Database": "relay.app",
    "Demo": "relay.app",
    "load_app": "relay.app",
    "ToolSet": "relay.tools.definition",
    "Approval": "relay.tools.definition",
    "ToolBusinessError": "relay.tools.definition",
    "ToolPermanentError": "relay.tools.definition",
    "ToolContext": "relay.tools.context",
    "Compensation": "relay.agents.tool_models",
    "ToolRetry": "relay.agents.tool_models",
    "Budget": "relay.agents.models",
    "Memory": "relay.agents.memory",
    "ChainBudget": "relay.agents.chains",
    "GoalRequest": "relay.agents.models",
    "GoalResult": "relay.agents.models",
    "ApprovalDecision": "relay.agents.approvals",
    "DecisionRequest": "relay.agents.approvals",
    "PendingApproval": "relay.agents.approvals",
    "Settings": "relay.settings",
    "RelayPlugin": "relay.worker",
    "relay_worker": "relay.worker",
    "SupervisorWorkflow": "relay.workflows.supervisor",
    "AgentWorkflow": "relay.workflows.agent",
    "start_goal": "relay.client.goals",
    "continue_thread": "relay.temporal.threads",
    "connect_client": "relay.temporal.connect",
}

__all__ = [
    "Agent",
    "AgentWorkflow",
    "App",
    "Approval",
    "ApprovalDecision",
    "Budget",
    "ChainBudget",
    "Compensation",
    "Database",
    "DecisionRequest",
    "Demo",
    "GoalRequest",
    "GoalResult",
    "Memory",
    "PendingApproval",
    "RelayPlugin",
    "Route",
    "Settings",
    "SupervisorWorkflow",
    "ToolBusinessError",
    "ToolContext",
    "ToolPermanentError",
    "ToolRetry",
    "ToolSet",
    "connect_client",
    "continue_thread",
    "load_app",
    "relay_worker",
    "start_goal",
]

if TYPE_CHECKING:
    from relay.agents.approvals import ApprovalDecision, DecisionRequest, PendingApproval
    from relay.agents.chains import ChainBudget
    from relay.agents.memory import Memory
    from relay.agents.models import Budget, GoalRequest, GoalResult
    from relay.agents.specs import Agent, Route
    from relay.agents.tool_models import Compensation, ToolRetry
    from relay.app import App, Database, Demo, load_app
    from relay.client.goals import start_goal
    from relay.settings import Settings
    from relay.temporal.connect import connect_client
    from relay.temporal.threads import continue_thread
    from relay.tools.context import ToolContext
    from relay.tools.definition import Approval, ToolBusinessError, ToolPermanentError, ToolSet
    from relay.worker import RelayPlugin, relay_worker
    from relay.workflows.agent import AgentWorkflow
    from relay.workflows.supervisor import SupervisorWorkflow


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'relay' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
