"""An agent emitting an event (its `emit_<type>` tool): the event's id is a digest of the call's
ledger key, so a retried or replayed emit is the same event, started once. Workflow code:
deterministic."""

import hashlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from relay.agents.chains import CHAIN_REFUSED
    from relay.agents.events import MAX_CHAIN_DEPTH, Event
    from relay.agents.llm_models import ToolCall
    from relay.agents.models import CONTEXT_MAX_ENTRIES, AgentTask
    from relay.agents.specs import one_line
    from relay.agents.tool_models import ToolObservation

EMIT_RETRY = RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=10))


async def emit(task: AgentTask, event_type: str, call: ToolCall, key: str) -> ToolObservation:
    """Emit the event, one deeper in the chain of the event the goal reacts to (if any); at
        MAX_CHAIN_DEPTH it is refused, so a loop between agents stops here; past its chain's budget
    (events, cost) the emit activity refuses it."""
    event_id = f"{task.agent}-{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    cause = task.cause
    depth = 0 if cause is None else cause.depth + 1
    if depth >= MAX_CHAIN_DEPTH:
        assert cause is not None
        return ToolObservation(
            tool=call.name,
            ok=False,
            refused=True,
            error=f"not emitted: the event chain {cause.chain} is {depth} events deep, the "
            f"most it may be is {MAX_CHAIN_DEPTH} (a loop between agents?)",
        )
    context = dict(list(task.context.items())[: CONTEXT_MAX_ENTRIES - 3])
    try:
        event = Event(
            type=event_type,
            id=event_id,
            app=task.app or "",
            data=call.arguments,
            emitted_by=workflow.info().workflow_id,
            context=context,
            chain=event_id if cause is None else cause.chain,
            depth=depth,
        )
    except ValidationError as err:
        return ToolObservation(tool=call.name, ok=False, error=one_line(err, "the event"))
    try:
        started = await workflow.execute_activity(
            "emit_event",
            event,
            result_type=bool,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=EMIT_RETRY,
            summary=f"emit {event_type} {event_id}",
        )
    except ActivityError as err:
        cause = err.cause
        refused = isinstance(cause, ApplicationError) and cause.type == CHAIN_REFUSED
        why = cause.message if isinstance(cause, FailureError) else str(err)
        return ToolObservation(
            tool=call.name, ok=False, refused=refused, error=f"not emitted: {why}"
        )
    data = {"event": event_type, "event_id": event_id, "new": started}
    return ToolObservation(tool=call.name, ok=True, data=data)
