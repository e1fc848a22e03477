"""Large tool results are stored by reference: the full result goes to relay's SQLite store
under the call's idempotency key, and history gets a preview and the reference. A payload over
the server's blob limit would otherwise fail the workflow task again and again."""

import json
from datetime import UTC, datetime
from pathlib import Path

from relay.agents.models import ToolObservation
from relay.tools.store import connect

PREVIEW_CHARS = 2000


def by_reference(
    observation: ToolObservation, key: str, db_path: Path, limit_bytes: int
) -> ToolObservation:
    """The observation itself when it is small; else a stored copy's reference and a preview."""
    body = observation.model_dump_json()
    size = len(body.encode())
    if size <= limit_bytes:
        return observation
    db = connect(db_path)
    try:
        db.execute(
            "INSERT OR REPLACE INTO stored_results (key, tool, body, created_at) "
            "VALUES (?, ?, ?, ?)",
            (key, observation.tool, body, datetime.now(UTC).isoformat()),
        )
    finally:
        db.close()
    data = json.dumps(observation.data)
    return observation.model_copy(
        update={
            "data": {
                "stored_as": f"stored_results:{key}",
                "bytes": size,
                "note": f"the result is {size} bytes, over the {limit_bytes}-byte limit for "
                "history; this is its beginning",
                "preview": data[:PREVIEW_CHARS],
            }
        }
    )
