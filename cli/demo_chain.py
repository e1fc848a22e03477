"""`relay demo` for an app whose demo is an event: emit it from outside, decide the approvals
its chain's reactions ask for as they appear, and show the chain once its ledger closed (every
event delivered, every reaction ended) or only dead letters are left."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError

from relay.agents.approvals import PendingApproval
from relay.agents.chains import chain_workflow_id
from relay.agents.events import Event, event_data_json
from relay.agents.models import GoalResult
from relay.agents.search_keys import RELAY_CHAIN, RELAY_STATUS
from relay.app import App, Demo
from relay.cli.chains import chain_text
from relay.settings import Settings
from relay.temporal.events import start_event
from relay.workflows.supervisor import SupervisorWorkflow

Decide = Callable[[WorkflowHandle, list[PendingApproval]], Awaitable[None]]
POLL_SECONDS = 0.5


async def follow_chain(
    client: Client, settings: Settings, app: App, demo: Demo, decide: Decide
) -> str:
    """Play the demo's event; the chain's ledger's workflow id once the chain has ended."""
    assert demo.event is not None
    chain = f"demo-{uuid.uuid4().hex[:8]}"
    event = Event(
        type=demo.event,
        id=chain,
        app=app.name,
        data=demo.data,
        emitted_by="outside:relay-demo",
        context=demo.context,
    )
    print(f"event {event.type} {event_data_json(event.data)}")
    await start_event(client, event, settings.queue_for(app.name))
    print(f"emitted {chain}: the agents that listen react, each to what the others emit")
    ledger = client.get_workflow_handle(chain_workflow_id(app.name, chain))
    decided: set[str] = set()
    while not await _ended(ledger):
        reactions = await _reactions(client, chain)
        for handle in reactions:
            await _decide_new(handle, decided, decide)
        if not reactions and await _only_dead_letters(client, chain):
            print("a reaction failed for good: its event waits for `relay events retry ID`")
            break
        await asyncio.sleep(POLL_SECONDS)
    print()
    print(await chain_text(client, chain))
    print("\nwhat each reaction answered:")
    for agent, answer in await _answers(client, chain):
        print(f"  {agent}: {answer}")
    print(f"\nevery run of the chain in the Web UI: {settings.query_url(_in_chain(chain))}")
    return ledger.id


def _in_chain(chain: str) -> str:
    return f"{RELAY_CHAIN.name} = '{chain}'"


async def _answers(client: Client, chain: str) -> list[tuple[str, str]]:
    """Each reaction's agent and answer, in the order they started."""
    query = f"WorkflowType = 'SupervisorWorkflow' AND {_in_chain(chain)}"
    runs = sorted([r async for r in client.list_workflows(query)], key=lambda r: r.start_time)
    answers: list[tuple[str, str]] = []
    for run in runs:
        result = await client.get_workflow_handle(run.id, result_type=GoalResult).result()
        answers += [(task.agent, task.result) for task in result.tasks] or [(run.id, result.answer)]
    return answers


async def _ended(ledger: WorkflowHandle) -> bool:
    try:
        return (await ledger.describe()).status == WorkflowExecutionStatus.COMPLETED
    except RPCError:
        return False  # its first event is not admitted yet


async def _reactions(client: Client, chain: str) -> list[WorkflowHandle]:
    running = "WorkflowType = 'SupervisorWorkflow' AND ExecutionStatus = 'Running'"
    query = f"{running} AND {_in_chain(chain)}"
    return [client.get_workflow_handle(run.id) async for run in client.list_workflows(query)]


async def _only_dead_letters(client: Client, chain: str) -> bool:
    """Whether every event of the chain still open is a dead letter (nothing else will move)."""
    open_events = (
        f"WorkflowType = 'EventWorkflow' AND ExecutionStatus = 'Running' AND {_in_chain(chain)}"
    )
    statuses = [
        run.typed_search_attributes.get(RELAY_STATUS)
        async for run in client.list_workflows(open_events)
    ]
    return bool(statuses) and all(status == "dead_letter" for status in statuses)


async def _decide_new(handle: WorkflowHandle, decided: set[str], decide: Decide) -> None:
    try:
        pending = await handle.query(SupervisorWorkflow.pending_approvals)
    except RPCError:
        return  # it ended between the listing and the query
    fresh = [p for p in pending if p.approval_id not in decided]
    if fresh:
        decided.update(p.approval_id for p in fresh)
        await decide(handle, fresh)
