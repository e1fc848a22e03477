"""The ledger key of the call an activity runs."""

from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.agents.tool_models import ToolRequest


def call_key(request: ToolRequest) -> str:
    """The key the workflow named for this call (its id, its first run, the call's place);
    older histories name none, and the activity's own id stands in. A workflow may only name
    keys under its own id: never another run's rows. Never the attempt: retries share it."""
    info = activity.info()
    if request.ledger_key is None:
        return f"{info.workflow_id}/{info.activity_id}"
    if not request.ledger_key.startswith(f"{info.workflow_id}/"):
        raise ApplicationError(
            f"ledger key {request.ledger_key[:100]!r} is not under this workflow's id",
            non_retryable=True,
            type="ToolNotAllowed",
        )
    return request.ledger_key
