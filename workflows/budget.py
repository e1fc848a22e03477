"""Budget arithmetic: the lease a child gets, and whether a lease is spent. Pure code."""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.causes import EventCause
    from relay.agents.llm_models import Usage
    from relay.agents.models import Budget, Lease

SYNTHESIS_STEPS = 1  # kept back from the agents for the supervisor's final answer


def _share(limit: float | None, used: float, parts: int) -> float | None:
    return None if limit is None else max(limit - used, 0) / parts


def capped(budget: Budget, cause: EventCause | None) -> Budget:
    """A reaction's budget within what its event's chain granted it."""
    if cause is None or cause.max_cost_usd is None:
        return budget
    limit = cause.max_cost_usd
    if budget.max_cost_usd is not None:
        limit = min(limit, budget.max_cost_usd)
    return budget.model_copy(update={"max_cost_usd": limit})


def lease_for(
    budget: Budget,
    spent: Usage,
    unstarted: int,
    agent_max_steps: int,
    deadline: datetime | None,
    loop_limit: int,
    max_calls_per_turn: int,
) -> Lease:
    """An equal share of what is left for each task not started yet, this one included."""
    parts = max(unstarted, 1)
    steps = _share(budget.max_steps, spent.llm_calls + SYNTHESIS_STEPS, parts)
    tokens = _share(budget.max_tokens, spent.input_tokens + spent.output_tokens, parts)
    cost = _share(budget.max_cost_usd, spent.cost_usd or 0.0, parts)
    return Lease(
        max_steps=agent_max_steps if steps is None else min(agent_max_steps, int(steps)),
        max_tokens=None if tokens is None else int(tokens),
        max_cost_usd=cost,
        deadline=deadline,
        escalate=bool(budget.escalate),
        loop_limit=loop_limit,
        max_calls_per_turn=max_calls_per_turn,
    )


def spent(
    lease: Lease, usage: Usage, steps: int, now: datetime, before_llm: bool = True
) -> str | None:
    """What of the lease is used up, in words; None while there is room for another activity.
    Model turns only limit LLM calls: the tool calls of the last turn still run."""
    if before_llm and steps >= lease.max_steps:
        return f"its lease of {lease.max_steps} model turns is spent"
    tokens = usage.input_tokens + usage.output_tokens
    if lease.max_tokens is not None and tokens >= lease.max_tokens:
        return f"its lease of {lease.max_tokens} tokens is spent ({tokens} used)"
    cost = usage.cost_usd or 0.0
    if lease.max_cost_usd is not None and cost >= lease.max_cost_usd:
        return f"its lease of ${lease.max_cost_usd:.4f} is spent (${cost:.4f} used)"
    if lease.deadline is not None and now >= lease.deadline:
        return "the goal's time budget ran out"
    return None


def goal_spent(
    budget: Budget, usage: Usage, now: datetime, deadline: datetime | None
) -> str | None:
    """Whether the goal as a whole has no room for another LLM call."""
    whole = Lease(
        max_steps=budget.max_steps or 10**9,
        max_tokens=budget.max_tokens,
        max_cost_usd=budget.max_cost_usd,
        deadline=deadline,
    )
    problem = spent(whole, usage, usage.llm_calls, now)
    return None if problem is None else problem.replace("its lease of", "the goal's budget of")


def extended(lease: Lease, original: Lease) -> Lease:
    """After a human says "continue": as much again as the original lease."""
    return lease.model_copy(
        update={
            "max_steps": lease.max_steps + original.max_steps,
            "max_tokens": None
            if lease.max_tokens is None or original.max_tokens is None
            else lease.max_tokens + original.max_tokens,
            "max_cost_usd": None
            if lease.max_cost_usd is None or original.max_cost_usd is None
            else lease.max_cost_usd + original.max_cost_usd,
        }
    )
