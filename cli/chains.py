"""A chain of events as one picture: its budget (ChainWorkflow's ledger, with the emits it
refused), each event (who emitted it, how deep in the chain), the goals that reacted to it
(status, cost) and the events those emitted, read from visibility by
the chain's search attribute (`RelayChain`) and each event's own record."""

import re

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from relay.agents.chains import ChainState, chain_workflow_id
from relay.agents.events import EVENT_ID_PATTERN, EventOutcome
from relay.agents.models import GoalResult
from relay.agents.search_keys import RELAY_CHAIN
from relay.client.errors import UserError
from relay.workflows.chain import ChainWorkflow
from relay.workflows.event_delivery import EventWorkflow


async def chain_text(client: Client, chain: str) -> str:
    missing = f"no workflow with id {chain!r}, and no chain of events by that id"
    if not re.match(EVENT_ID_PATTERN, chain):
        raise UserError(missing)
    query = f"WorkflowType = 'EventWorkflow' AND {RELAY_CHAIN.name} = '{chain}'"
    runs = sorted(
        [run async for run in client.list_workflows(query)], key=lambda run: run.start_time
    )
    if not runs:
        raise UserError(missing)
    lines, total, app = [], 0.0, ""
    for run in runs:
        outcome = await event_outcome(client, run.id)
        event, indent, app = outcome.event, "  " * outcome.event.depth, outcome.event.app
        state = (
            f"refused: {outcome.refused}"
            if outcome.refused
            else "dead letter"
            if outcome.dead
            else "delivered"
            if run.status == WorkflowExecutionStatus.COMPLETED
            else "delivering"
        )
        lines.append(f"{indent}event {event.id} · {event.type} · from {event.emitted_by} · {state}")
        for delivery in outcome.deliveries:
            cost = await _cost(client, delivery.workflow_id)
            total += cost or 0.0
            shown = "" if cost is None else f" · ${cost:.4f}"
            lines.append(
                f"{indent}  └── {delivery.app}.{delivery.agent} · {delivery.status}{shown} · "
                f"{delivery.workflow_id}"
            )
    head = f"chain {chain} · {len(runs)} event(s) · ${total:.4f}"
    ledger = await chain_ledger(client, app, chain)
    if ledger is not None:
        head += f"\nbudget: {ledger.summary()}"
        lines += [f"refused emit {refused}" for refused in ledger.refused]
    return "\n".join([head, *lines])


async def chain_ledger(client: Client, app: str, chain: str) -> ChainState | None:
    """The chain's budget ledger; None for a chain from before chains had one."""
    handle = client.get_workflow_handle(chain_workflow_id(app, chain), result_type=ChainState)
    try:
        if (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED:
            return await handle.result()
        return await handle.query(ChainWorkflow.state)
    except RPCError:
        return None


async def event_outcome(client: Client, workflow_id: str) -> EventOutcome:
    """What an event's workflow has delivered so far (a query; it answers after it ended)."""
    try:
        outcome = await client.get_workflow_handle(workflow_id).query(EventWorkflow.outcome)
    except RPCError as err:
        raise UserError(f"no event workflow {workflow_id!r} answers: {err.message}") from None
    if outcome is None:
        raise UserError(f"event workflow {workflow_id!r} has not started delivering yet")
    return outcome


async def _cost(client: Client, goal_id: str) -> float | None:
    """A finished reaction's cost; None while it runs or when its price is unknown."""
    handle = client.get_workflow_handle(goal_id, result_type=GoalResult)
    if (await handle.describe()).status != WorkflowExecutionStatus.COMPLETED:
        return None
    return (await handle.result()).usage.cost_usd
