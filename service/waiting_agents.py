"""Agents waiting on people, listed from visibility a page at a time: each listed agent run's
memo holds the approvals it waits on (agents/pending_memo.py), so a listing costs one
visibility call per page whatever the load, and wakes no workflow. A run without the memo (it
started before relay kept one) is asked by query, briefly; one whose approvals cannot be read
right now is returned as such, never dropped."""

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError
from temporalio.client import Client, WorkflowExecution, WorkflowQueryFailedError
from temporalio.service import RPCError

from relay.agents.approvals import PendingApproval
from relay.agents.pending_memo import PENDING_MEMO
from relay.agents.search_keys import RELAY_AGENT, RELAY_PENDING_APPROVALS
from relay.app import App
from relay.settings import Settings
from relay.workflows.agent import AgentWorkflow

WAITING_AGENTS = (
    "WorkflowType = 'AgentWorkflow' AND ExecutionStatus = 'Running' "
    f"AND {RELAY_PENDING_APPROVALS.name} > 0"
)
ASK_SECONDS = 2.0  # a run without the memo is asked this long, then shown as unreadable


@dataclass
class WaitingAgent:
    workflow_id: str
    goal_id: str
    approvals: list[PendingApproval]
    unreadable: str | None = None  # why its approvals could not be read right now


@dataclass
class WaitingPage:
    agents: list[WaitingAgent]
    next_token: bytes | None
    total: int  # agent runs waiting that match, on every page


QUEUE_NAME = re.compile(r"^[\w.:/@-]{1,200}$")  # nothing that could close a quoted literal


def app_queues(app: App, settings: Settings) -> list[str]:
    """The task queues an app's agents run on: its own, and its agents' pools. Another app's
    agents in the namespace run elsewhere, so its approvals never reach this app's inbox."""
    queues = [settings.queue_for(app.name)]
    queues += sorted({a.task_queue for a in app.agents.values() if a.task_queue} - set(queues))
    unusable = [q for q in queues if not QUEUE_NAME.match(q)]
    if unusable:
        raise ValueError(f"task queue names {unusable} cannot be used in a visibility query")
    return queues


def waiting_query(agent: str | None, queues: list[str]) -> str:
    """Visibility's filter: agents of these task queues (checked by app_queues) waiting on
    people; `agent` is a checked agent name (no quotes can reach the query)."""
    listed = ", ".join(f"'{q}'" for q in queues)
    query = f"{WAITING_AGENTS} AND TaskQueue IN ({listed})"
    return query + (f" AND {RELAY_AGENT.name} = '{agent}'" if agent else "")


async def waiting_page(
    client: Client, query: str, page_size: int, token: bytes | None
) -> WaitingPage:
    listing = client.list_workflows(query, page_size=page_size, next_page_token=token)
    counted = asyncio.ensure_future(client.count_workflows(query))
    await listing.fetch_next_page(page_size=page_size)
    listed = listing.current_page or []
    agents = await asyncio.gather(*(_read(client, run) for run in listed))
    return WaitingPage(list(agents), listing.next_page_token, (await counted).count)


async def _read(client: Client, run: WorkflowExecution) -> WaitingAgent:
    goal_id = run.parent_id or run.id.split("/", 1)[0]
    try:
        entries = (await run.memo()).get(PENDING_MEMO)
        if entries is not None:
            approvals = [PendingApproval.model_validate(entry) for entry in entries]
            return WaitingAgent(run.id, goal_id, approvals)
    except (ValidationError, ValueError, TypeError, RuntimeError) as err:
        return WaitingAgent(run.id, goal_id, [], f"its memo could not be read: {err}")
    handle = client.get_workflow_handle_for(AgentWorkflow.run, run.id)
    try:
        approvals = await handle.query(
            AgentWorkflow.pending_approvals, rpc_timeout=timedelta(seconds=ASK_SECONDS)
        )
    except (RPCError, WorkflowQueryFailedError) as err:
        why = "no worker answered in time" if isinstance(err, RPCError) else str(err)
        return WaitingAgent(run.id, goal_id, [], f"its approvals could not be read: {why}")
    return WaitingAgent(run.id, goal_id, approvals)
