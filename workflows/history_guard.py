"""Whether a run's own history is near the point where it should stop itself. Temporal
terminates a run past 51,200 events or 50 MB, effects left open; signals from anyone with
namespace access grow a history, so relay ends a run first, cleanly. Workflow code."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.models import HistoryLimit


def history_problem(limit: HistoryLimit) -> str | None:
    """Why the run must stop now; None while its history has room."""
    info = workflow.info()
    events, size = info.get_current_history_length(), info.get_current_history_size()
    if events < limit.events and size < limit.bytes:
        return None
    return (
        f"its history is near Temporal's limit ({events} events, {size} bytes; relay stops "
        f"a run at {limit.events} events or {limit.bytes} bytes), most likely from a flood "
        "of signals"
    )
