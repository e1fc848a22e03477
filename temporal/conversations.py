"""What a model saw at each of an agent's turns, rebuilt from the agent's history alone: a turn
records only the messages it added (agents/conversation_chain.py), so an auditor reads the
whole conversation here (`relay conversation`), not in one activity's input."""

from pydantic import BaseModel
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from relay.agents.conversation_chain import chained, whole
from relay.agents.llm_models import LlmRequest, Message
from relay.temporal.activity_records import activity_records
from relay.temporal.goal_history import decoded


class SeenTurn(BaseModel):
    run: int  # which run of the agent's workflow (a long conversation continues as new)
    step: int
    model: str  # the route entry asked (a fallback asks the next one the same)
    messages: list[Message]


async def run_histories(client: Client, workflow_id: str) -> list[list[HistoryEvent]]:
    """The events of each run of a workflow, oldest run first (each run's start names the run
    it continues)."""
    runs: list[list[HistoryEvent]] = []
    run_id: str | None = None
    while True:
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        events = [e async for e in handle.fetch_history_events()]
        runs.insert(0, events)
        started = events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            return runs
        run_id = started.continued_execution_run_id


async def seen_turns(client: Client, workflow_id: str) -> list[SeenTurn]:
    """Every model turn of an agent's runs, with the whole conversation the model saw."""
    turns = []
    for run, events in enumerate(await run_histories(client, workflow_id), start=1):
        known: dict[str, list[Message]] = {}
        for record in activity_records(events):
            if record.kind != "llm" or record.input is None:
                continue
            request = await decoded(client, record.input, LlmRequest)
            seen = whole(request, known) if request is not None else None
            if request is None or seen is None:
                continue
            known[chained(request.continues, request.messages)] = seen
            if request.purpose == "agent":
                turns.append(
                    SeenTurn(run=run, step=request.step, model=request.model, messages=seen)
                )
    return turns
