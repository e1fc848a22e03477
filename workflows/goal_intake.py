"""A goal at the door: read loosely (a malformed one fails in one line), refused when too large,
its run configuration loaded (recorded in history), a model route it can use, and the agents
it may go to. Workflow code: deterministic."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from relay.agents.guardrails import GOAL_HARD_LIMIT, goal_problem
    from relay.agents.models import GoalRequest
    from relay.agents.run_config import RunConfig, RunConfigRequest
    from relay.agents.specs import route_goal

from relay.workflows.client_input import read_input

CONFIG_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=1))


def admitted(raw: GoalRequest | Any) -> GoalRequest:
    """The goal as the client sent it, or the run fails with one line saying why not."""
    request = read_input(GoalRequest, raw, "goal")
    if isinstance(request, str):
        raise ApplicationError(request, non_retryable=True, type="InvalidGoal")
    refuse_goal(request.goal, GOAL_HARD_LIMIT)
    return request


async def load_config(request: GoalRequest) -> RunConfig:
    """The app's agents, tools, routes and policies as this run will use them (recorded)."""
    config = await workflow.execute_activity(
        "load_run_config",
        RunConfigRequest(
            goal_id=workflow.info().workflow_id, app=request.app, app_digest=request.app_digest
        ),
        result_type=RunConfig,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=CONFIG_RETRY,
        summary="load tools and defaults",
    )
    refuse_goal(request.goal, config.max_goal_bytes)
    return config


def route_of(request: GoalRequest, config: RunConfig) -> str:
    route = request.model or config.default_model
    if not route:
        raise ApplicationError(
            f"no model is configured for app {config.app!r}: set RELAY_MODEL on the "
            "workers or name a model in the goal",
            non_retryable=True,
            type="NoModel",
        )
    return route


def candidates(request: GoalRequest, goal: str, config: RunConfig) -> list[str]:
    """The agents the goal may go to: the one it names (an event's subscriber), else the app's
    routes decide."""
    names = [agent.name for agent in config.agents]
    if request.agent is None:
        return route_goal(goal, config.routes, names)
    if request.agent not in names:
        raise ApplicationError(
            f"app {config.app!r} has no agent {request.agent!r}",
            non_retryable=True,
            type="UnknownAgent",
        )
    return [request.agent]


def refuse_goal(goal: object, max_bytes: int) -> None:
    problem = goal_problem(goal, max_bytes)
    if problem is not None:
        raise ApplicationError(problem, non_retryable=True, type="InvalidGoal")
