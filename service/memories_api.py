"""`/memories` for admins: what the app remembers about a subject (`GET /memories?subject=S`)
and forgetting it (`DELETE /memories?subject=S[&id=M]`), so a customer can be forgotten
completely over HTTP as with `relay memory forget`."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from relay.agents.memory import MemoryRecord
from relay.service.errors import ApiError
from relay.service.identities import Person
from relay.service.state import ServiceState, signed_in, state_of
from relay.tools.memory_store import MemoryStore
from relay.tools.stores import open_store

router = APIRouter(prefix="/memories", tags=["memories"])
Subject = Annotated[str, Query(min_length=1, max_length=1000)]


def _memories(person: Person, state: ServiceState) -> MemoryStore:
    if not person.may("admin"):
        raise ApiError(403, f"{person.name} may not read or forget memories (role admin)")
    if state.app.memory is None:
        raise ApiError(404, f"app {state.app.name!r} keeps no memory")
    memories = MemoryStore(open_store(state.settings.store()))
    memories.create_schema()
    return memories


@router.get("")
async def list_memories(
    subject: Subject,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
) -> list[MemoryRecord]:
    return _memories(person, state).memories_of(state.app.name, subject)


@router.delete("")
async def forget(
    subject: Subject,
    person: Annotated[Person, Depends(signed_in)],
    state: Annotated[ServiceState, Depends(state_of)],
    memory_id: Annotated[str | None, Query(alias="id", max_length=100)] = None,
) -> dict[str, Any]:
    gone = _memories(person, state).forget(state.app.name, subject, memory_id)
    return {"subject": subject, "forgotten": gone}
