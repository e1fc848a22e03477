"""The approvals an agent waits on, as it publishes them in its memo: the inbox lists waiting
agents from visibility and reads each one's memo, instead of asking every goal by query (a
query wakes a cold workflow, and waits for a worker when none runs). Pure data."""

import json
from typing import Any

from relay.agents.approvals import PendingApproval

PENDING_MEMO = "relay_pending"
MEMO_APPROVALS = 10  # an agent waits on one or two; the memo stays small whatever happens
MEMO_ARGUMENT_CHARS = 1000  # of a call's arguments, as JSON; the signature binds the whole


def memo_entries(approvals: list[PendingApproval]) -> list[dict[str, Any]]:
    entries = []
    for approval in approvals[:MEMO_APPROVALS]:
        entry = approval.model_dump(mode="json")
        text = json.dumps(entry["arguments"])
        if len(text) > MEMO_ARGUMENT_CHARS:
            entry["arguments"] = {"clipped": text[:MEMO_ARGUMENT_CHARS]}
        entries.append(entry)
    return entries
