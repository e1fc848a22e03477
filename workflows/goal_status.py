"""How the statuses of a goal's tasks add up to the goal's status. Pure code."""

from collections.abc import Sequence

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.models import GoalStatus

BROKEN = ("failed", "skipped", "loop_detected")


def goal_status(statuses: Sequence[str]) -> GoalStatus:
    if all(s == "completed" for s in statuses):
        return "completed"
    if all(s in BROKEN for s in statuses):
        return "failed"
    if any(s in BROKEN or s == "unverified" for s in statuses):
        return "partial"
    if "budget_exhausted" in statuses:
        return "budget_exhausted"
    return "rejected"
