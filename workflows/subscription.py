"""SubscriptionWorkflow: one listening agent of one app, registered by its workers and found by
visibility (`RelayListens` = the event types; its memo the task queue for the agent's goals).
So a new listener, on its own workers and task queue, receives events emitted after it
registered without any change to the emitting app. Its workers renew it; a subscription no
worker renews for LEASE ends, so a retired listener stops receiving events. Workflow code:
deterministic."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.events import SUBSCRIPTION_QUEUE_MEMO, Listening
    from relay.agents.search_keys import RELAY_LISTENS

from relay.workflows.waiting import waited

LEASE = timedelta(minutes=10)
RENEWALS_PER_RUN = 500  # then it continues as new, so its history stays small


@workflow.defn
class SubscriptionWorkflow:
    def __init__(self) -> None:
        self._latest: Listening | None = None
        self._renewals = 0

    @workflow.run
    async def run(self, listening: Listening) -> None:
        self._latest = listening  # started with its search attribute and memo
        while True:
            renewed = self._renewals
            if not await waited(lambda seen=renewed: self._renewals > seen, LEASE, "lease ends"):
                return  # no worker renewed it: the listener is gone
            if self._renewals >= RENEWALS_PER_RUN and self._latest is not None:
                workflow.continue_as_new(self._latest)

    @workflow.signal
    def listen(self, listening: Listening) -> None:
        """A worker's renewal, with what the agent listens to now."""
        self._renewals += 1
        self._apply(listening)

    def _apply(self, listening: Listening) -> None:
        """Upsert only what changed: each upsert is an event in history."""
        if self._latest is not None and listening.types != self._latest.types:
            workflow.upsert_search_attributes([RELAY_LISTENS.value_set(listening.types)])
        if self._latest is not None and listening.listener != self._latest.listener:
            workflow.upsert_memo({SUBSCRIPTION_QUEUE_MEMO: listening.listener.task_queue})
        self._latest = listening
