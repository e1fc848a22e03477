"""Registering an app's listening agents (SubscriptionWorkflow, one per agent) and finding the
listeners of an event type across every app of the namespace, from visibility."""

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)

from relay.agents.events import (
    EVENT_TYPE,
    SUBSCRIPTION_QUEUE_MEMO,
    Listener,
    Listening,
    subscription_id,
)
from relay.agents.search_keys import RELAY_LISTENS

SUBSCRIPTIONS = "WorkflowType = 'SubscriptionWorkflow' AND ExecutionStatus = 'Running'"
RENEW_EVERY = timedelta(minutes=3)  # well within the subscription's lease (10 minutes)
VISIBLE_WITHIN_SECONDS = 10.0


async def register(client: Client, listening: Listening) -> None:
    """Start the agent's subscription, or renew the running one (with what it listens to now)."""
    listener = listening.listener
    handle = await client.start_workflow(
        "SubscriptionWorkflow",
        listening,
        id=subscription_id(listener.app, listener.agent),
        task_queue=listener.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # Searchable from the start, before any worker has run the workflow.
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(RELAY_LISTENS, list(listening.types))]
        ),
        memo={SUBSCRIPTION_QUEUE_MEMO: listener.task_queue},
        static_summary=f"{listener.app}.{listener.agent} listens to {', '.join(listening.types)}",
    )
    await handle.signal("listen", listening)


async def listeners_of(client: Client, event_type: str) -> list[Listener]:
    """Every registered listener of `event_type`, by app and agent name."""
    if not EVENT_TYPE.match(event_type):  # nothing that could close the quoted literal
        return []
    query = f"{SUBSCRIPTIONS} AND {RELAY_LISTENS.name} = '{event_type}'"
    found = []
    async for run in client.list_workflows(query):
        _, app, agent = run.id.split("/", 2)
        memo = await run.memo()
        queue = memo.get(SUBSCRIPTION_QUEUE_MEMO) or run.task_queue
        found.append(Listener(app=app, agent=agent, task_queue=str(queue)))
    return sorted(found, key=lambda listener: (listener.app, listener.agent))


async def keep_registered(client: Client, listenings: Sequence[Listening]) -> None:
    """Register the listeners, then renew them until cancelled (the worker stops)."""
    while True:
        for listening in listenings:
            await register(client, listening)
        await asyncio.sleep(RENEW_EVERY.total_seconds())


async def registered(client: Client, listenings: Sequence[Listening]) -> None:
    """Wait (briefly) until visibility lists each listener under each of its types: from then
    on, every event of those types reaches it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + VISIBLE_WITHIN_SECONDS
    wanted = [(listening.listener, t) for listening in listenings for t in listening.types]
    while wanted and loop.time() < deadline:
        wanted = [(who, t) for who, t in wanted if who not in await listeners_of(client, t)]
        if wanted:
            await asyncio.sleep(0.2)
