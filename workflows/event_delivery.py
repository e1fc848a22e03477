"""EventWorkflow: one event, delivered to every agent that listens to its type, each as an
ordinary goal of its own (budgets, approvals, guardrails and the ledger apply) started as a
child with a deterministic id, so a delivery is started exactly once whatever crashes.

An event its chain has not admitted yet (one emitted from outside) is admitted first: its
chain's ledger (ChainWorkflow) counts it and grants its reactions a share of the chain's cost,
each listener's goal capped at its part; once every delivery has ended, what they spent is
settled with the chain. A refused event is delivered to nobody.

A delivery whose goal fails for good is not dropped: the event stays open as a dead letter
(`RelayStatus = 'dead_letter'`, `relay events dead`) until `relay events retry` redelivers it
(a new goal for each failed listener) or the retry window ends. Workflow code: deterministic."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ChildWorkflowError, FailureError

with workflow.unsafe.imports_passed_through():
    from relay.agents.causes import EventCause
    from relay.agents.chains import Admission, Settlement, chain_workflow_id
    from relay.agents.events import (
        FAILED_GOAL,
        Delivery,
        Event,
        EventOutcome,
        Listener,
        Subscribers,
        cause_of,
        chain_of,
        event_goal,
    )
    from relay.agents.models import GoalRequest, GoalResult
    from relay.agents.search_keys import RELAY_CHAIN, RELAY_STATUS, chain_attribute

from relay.workflows.supervisor import SupervisorWorkflow
from relay.workflows.waiting import waited

LOOKUP_RETRY = RetryPolicy(maximum_attempts=10, maximum_interval=timedelta(seconds=30))
RETRY_WINDOW = timedelta(days=30)  # how long a dead letter waits for `relay events retry`
CHAIN_BUDGET_PATCH = "chain-budget"


@workflow.defn
class EventWorkflow:
    def __init__(self) -> None:
        self._outcome: EventOutcome | None = None
        self._retries_asked = 0
        self._searchable = False

    @workflow.run
    async def run(self, event: Event) -> EventOutcome:
        # Events started before chains had a budget deliver as they did (no admission, no
        # settlement): their histories have neither.
        chained = workflow.patched(CHAIN_BUDGET_PATCH)
        if chained and event.grant_usd is None:
            admission = await workflow.execute_activity(
                "admit_event",
                event,
                result_type=Admission,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=LOOKUP_RETRY,
                summary=f"the chain {chain_of(event)} admits {event.id}"[:200],
            )
            if not admission.admitted:
                self._outcome = EventOutcome(event=event, refused=admission.reason)
                return self._outcome
            event = event.model_copy(update={"grant_usd": admission.grant_usd})
        self._outcome = outcome = EventOutcome(event=event)
        subscribers = await workflow.execute_activity(
            "event_subscribers",
            event.type,
            result_type=Subscribers,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=LOOKUP_RETRY,
            summary=f"who listens to {event.type}",
        )
        self._searchable = subscribers.searchable
        if self._searchable:  # the Web UI finds every run of the chain by RelayChain
            workflow.upsert_search_attributes([RELAY_CHAIN.value_set(chain_of(event))])
        waiting, attempt = list(subscribers.listeners), 0
        cause = cause_of(event, len(waiting))
        while waiting:
            delivered = await asyncio.gather(
                *(self._deliver(event, cause, a, attempt) for a in waiting)
            )
            outcome.deliveries += delivered
            outcome.dead = [f"{d.app}.{d.agent}" for d in delivered if d.status == FAILED_GOAL]
            if not outcome.dead:
                break
            self._show(subscribers.searchable, "dead_letter")
            retried = await waited(
                lambda asked=attempt: self._retries_asked > asked,
                RETRY_WINDOW,
                "dead letter: the retry window ends",
            )
            if not retried:
                break
            waiting = [w for w in waiting if f"{w.app}.{w.agent}" in outcome.dead]
            attempt += 1
            self._show(subscribers.searchable, "delivering")
        self._show(subscribers.searchable, "dead" if outcome.dead else "delivered")
        if chained:
            await self._settle(outcome, cause.max_cost_usd)
        return outcome

    async def _settle(self, outcome: EventOutcome, share: float | None) -> None:
        """Tell the chain what the reactions spent: a delivery whose cost is unknown (it
        failed, or its model has no price) counts as its whole share."""
        spent = sum(
            d.cost_usd if d.cost_usd is not None else (share or 0.0) for d in outcome.deliveries
        )
        event = outcome.event
        chain = workflow.get_external_workflow_handle(chain_workflow_id(event.app, chain_of(event)))
        try:
            await chain.signal("settle", Settlement(event_id=event.id, spent_usd=spent))
        except FailureError:  # the chain is gone (terminated): no ledger left to settle
            workflow.logger.warning("the chain of event %s is gone: not settled", event.id)

    def _show(self, searchable: bool, status: str) -> None:
        if searchable:
            workflow.upsert_search_attributes([RELAY_STATUS.value_set(status)])

    async def _deliver(
        self, event: Event, cause: EventCause, listener: Listener, attempt: int
    ) -> Delivery:
        goal, context = event_goal(event)
        retry = f"-retry-{attempt}" if attempt else ""
        child_id = f"{workflow.info().workflow_id}/{listener.app}.{listener.agent}{retry}"
        request = GoalRequest(
            goal=goal,
            context=context,
            app=listener.app,
            agent=listener.agent,
            requested_by=f"event:{event.emitted_by}"[:200],
            cause=cause,
        )
        delivery = {"app": listener.app, "agent": listener.agent, "workflow_id": child_id}
        try:
            result: GoalResult = await workflow.execute_child_workflow(
                SupervisorWorkflow.run,
                request,
                id=child_id,
                task_queue=listener.task_queue,
                search_attributes=chain_attribute(chain_of(event)) if self._searchable else None,
                static_summary=f"{listener.agent} reacts to {event.type} {event.id}"[:200],
            )
        except ChildWorkflowError:
            return Delivery(**delivery, status=FAILED_GOAL)
        return Delivery(**delivery, status=result.status, cost_usd=result.usage.cost_usd)

    @workflow.signal
    def retry(self) -> None:
        """Redeliver the event to the listeners whose goals failed (a dead letter's)."""
        self._retries_asked += 1

    @workflow.query
    def outcome(self) -> EventOutcome | None:
        return self._outcome
