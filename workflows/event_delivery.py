"""EventWorkflow: one event, delivered to every agent that listens to its type, each as an
ordinary goal of its own (budgets, approvals, guardrails and the ledger apply) started as a
child with a deterministic id, so a delivery is started exactly once whatever crashes.
Workflow code: deterministic."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from relay.agents.events import Delivery, Event, EventOutcome, event_goal
    from relay.agents.models import GoalRequest, GoalResult

from relay.workflows.supervisor import SupervisorWorkflow

LOOKUP_RETRY = RetryPolicy(maximum_attempts=10, maximum_interval=timedelta(seconds=30))


@workflow.defn
class EventWorkflow:
    @workflow.run
    async def run(self, event: Event) -> EventOutcome:
        agents = await workflow.execute_activity(
            "event_subscribers",
            event.type,
            result_type=list[str],
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=LOOKUP_RETRY,
            summary=f"who listens to {event.type}",
        )
        deliveries = await asyncio.gather(*(self._deliver(event, agent) for agent in agents))
        return EventOutcome(event=event, deliveries=list(deliveries))

    async def _deliver(self, event: Event, agent: str) -> Delivery:
        goal, context = event_goal(event)
        child_id = f"{workflow.info().workflow_id}/{agent}"
        request = GoalRequest(
            goal=goal,
            context=context,
            app=event.app,
            agent=agent,
            requested_by=f"event:{event.emitted_by}"[:200],
        )
        try:
            result: GoalResult = await workflow.execute_child_workflow(
                SupervisorWorkflow.run,
                request,
                id=child_id,
                static_summary=f"{agent} reacts to {event.type} {event.id}"[:200],
            )
        except ChildWorkflowError:
            return Delivery(agent=agent, workflow_id=child_id, status="failed")
        return Delivery(agent=agent, workflow_id=child_id, status=result.status)
