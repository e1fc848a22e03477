"""Large tool results are stored by reference: the full result goes to relay's store (SQLite
or PostgreSQL) under the call's idempotency key, and history gets a preview and the reference.
A payload over the server's blob limit would otherwise fail the workflow task again and
again."""

import json

from relay.activities.failures import clipped_text
from relay.agents.tool_models import ToolObservation
from relay.tools.store import Store
from relay.tools.stored_results import READ_STORED_RESULT

PREVIEW_CHARS = 2000


def by_reference(
    observation: ToolObservation, key: str, store: Store, limit_bytes: int
) -> ToolObservation:
    """The observation itself when it is small; else a stored copy's reference and a preview."""
    body = observation.model_dump_json()
    size = len(body.encode())
    if size <= limit_bytes:
        return observation
    with store.transaction() as tx:
        tx.put_result(key, observation.tool, body)
    data = json.dumps(observation.data)
    return observation.model_copy(
        update={
            # A business error can be as long as any result: history gets its beginning.
            "error": clipped_text(observation.error, PREVIEW_CHARS) if observation.error else None,
            "data": {
                "stored_as": f"stored_results:{key}",
                "bytes": size,
                "note": f"the result is {size} bytes, over the {limit_bytes}-byte limit for "
                f"history; this is its beginning: read it all with {READ_STORED_RESULT}",
                "preview": data[:PREVIEW_CHARS],
            },
        }
    )
