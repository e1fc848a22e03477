"""Admitting an event into its chain (ChainWorkflow): one update sent with the chain
workflow's start, so the first event of a chain starts its ledger and every later one is
counted against it."""

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from relay.agents.chains import Admission, ChainBudget, ChainStart, ChainState, chain_workflow_id
from relay.agents.events import Event, chain_of
from relay.agents.search_keys import chain_attribute


async def admit(
    client: Client, event: Event, budget: ChainBudget, task_queue: str, searchable: bool
) -> Admission:
    """The chain's answer for `event` (the same answer when asked again). With relay's search
    attributes registered, the chain's ledger carries `RelayChain` like every run of it."""
    chain = chain_of(event)
    workflow_id = chain_workflow_id(event.app, chain)
    start = WithStartWorkflowOperation(
        "ChainWorkflow",
        ChainStart(app=event.app, chain=chain, budget=budget),
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"the budget of the event chain {chain}"[:200],
        search_attributes=chain_attribute(chain) if searchable else None,
    )
    try:
        return await client.execute_update_with_start_workflow(
            "admit", event.id, start_workflow_operation=start, result_type=Admission
        )
    except (RPCError, WorkflowUpdateFailedError):
        ended = await _ended(client, workflow_id)
        if ended is None:
            raise
    # The chain has ended: only an emit retried after its event was admitted may ask now.
    known = ended.answers.get(event.id)
    return known or Admission(admitted=False, reason=f"the event chain {chain} has ended")


async def _ended(client: Client, workflow_id: str) -> ChainState | None:
    """The ledger of a chain whose workflow completed; None while it runs or when it is not
    there."""
    handle = client.get_workflow_handle(workflow_id, result_type=ChainState)
    try:
        description = await handle.describe()
    except RPCError:
        return None
    if description.close_time is None:
        return None
    return await handle.result()
