"""An agent's task for one planned task of a goal: everything the agent run acts on, from the
goal, the run's recorded configuration, the answers it builds on, and its lease of the goal's
budget (a redeployed worker never changes a run in flight). Workflow code: deterministic."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.delegation import agent_refs
    from relay.agents.memory import RECALL
    from relay.agents.models import (
        AgentTask,
        GoalRequest,
        Lease,
        PlannedTask,
        TaskReport,
        UpstreamResult,
    )
    from relay.agents.run_config import RunConfig


def agent_task_for(
    task: PlannedTask,
    request: GoalRequest,
    config: RunConfig,
    route: str,
    upstream: list[TaskReport],
    lease: Lease,
    refused_servers: dict[str, str],
) -> AgentTask:
    """`route`: the goal's model route; `refused_servers`: MCP servers refused earlier in the
    run, which no later agent uses."""
    spec = next(a for a in config.agents if a.name == task.agent)
    agent_route = config.route_of(spec, route)
    tools, digest = config.tools_of(task.agent)
    goal_id = workflow.info().workflow_id
    return AgentTask(
        goal_id=goal_id,
        task_id=task.id,
        agent=task.agent,
        instruction=task.instruction,
        instructions=spec.instructions,
        context=request.context,
        id_pattern=config.id_pattern,
        model=agent_route,
        upstream=[UpstreamResult(task_id=u.id, agent=u.agent, answer=u.result) for u in upstream],
        tools=tools,
        tools_digest=digest,
        lease=lease,
        approval_timeout_seconds=config.approval_timeout_seconds,
        parent_workflow_id=goal_id,
        refused_servers=dict(refused_servers),
        approval_policy=config.approval_policy,
        signed_decisions=config.signed_decisions,
        requested_by=request.requested_by,
        search_attributes=config.search_attributes,
        keep_effects=config.keep_effects,
        context_tokens=config.window_for(agent_route),
        lean_bookkeeping=config.lean_bookkeeping,
        history_limit=config.history_limit,
        output_schema=spec.output_schema,
        pending_memo=config.pending_memo,
        consults=agent_refs(config, spec.consults, route),
        handoffs=agent_refs(config, spec.handoffs, route),
        app=config.app,
        cause=request.cause,
        earlier=request.earlier,
        memory_opening=config.memory_opening if RECALL in spec.tools else 0,
        cache_seconds=config.response_cache_seconds,
        local_activities=config.local_activities,
    )
