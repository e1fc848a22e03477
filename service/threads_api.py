"""`/threads`: a signed-in person's conversations. `POST /threads/{id}/goals` continues one (the
goal sees the thread's earlier goals and answers, and runs after its running goal; with an
`Idempotency-Key`, a retried request adds one goal, not two); `GET /threads/{id}` reads it.
A thread id names the person's own thread: nobody reaches another person's."""

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path
from temporalio.service import RPCError, RPCStatusCode

from relay.agents.threads import THREAD_ID, ThreadState, thread_workflow_id
from relay.service.errors import ApiError
from relay.service.goals_api import GoalBody, goal_request
from relay.service.identities import Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.temporal.threads import ThreadRefused, continue_thread
from relay.workflows.thread import ThreadWorkflow

router = APIRouter(prefix="/threads", tags=["threads"])
ThreadId = Annotated[str, Path(pattern=THREAD_ID)]


@router.post("/{thread_id}/goals", status_code=202)
async def continue_(
    thread_id: ThreadId,
    body: GoalBody,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, str]:
    """Queue a goal in the person's thread; its id (`GET /goals/{id}` once it runs)."""
    request = goal_request(body, person, state).model_copy(update={"thread": thread_id})
    update_id = None
    if idempotency_key is not None:  # per person and thread: nobody else's key can collide
        key = f"{person.name}\0{thread_id}\0{idempotency_key}"
        update_id = hashlib.sha256(key.encode()).hexdigest()[:32]
    queue = state.settings.queue_for(state.app.name)
    try:
        goal_id = await continue_thread(state.client, request, queue, update_id)
    except ThreadRefused as err:
        raise ApiError(409, str(err)) from None
    return {"id": goal_id, "thread": thread_id}


@router.get("/{thread_id}")
async def read(
    thread_id: ThreadId,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> ThreadState:
    workflow_id = thread_workflow_id(state.app.name, person.name, thread_id)
    try:
        return await state.client.get_workflow_handle(workflow_id).query(ThreadWorkflow.state)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(404, f"you have no thread {thread_id!r}") from None
        raise
