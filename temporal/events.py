"""Starting an event's workflow, from a client (`relay emit`) or an agent's emit activity. One
workflow per (app, event id), never reused: emitting an id again is the same event, delivered
once."""

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from relay.agents.events import Event, event_workflow_id


async def start_event(client: Client, event: Event, task_queue: str) -> bool:
    """True when this call started the event; False when it had been emitted before."""
    try:
        await client.start_workflow(
            "EventWorkflow",
            event,
            id=event_workflow_id(event.app, event.id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"{event.type} from {event.emitted_by}"[:200],
        )
    except WorkflowAlreadyStartedError:
        return False
    return True
