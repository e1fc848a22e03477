"""A digest of the tools a model sees (names, descriptions, argument schemas): model calls name
their tools by digest instead of carrying every schema into history on every turn."""

import hashlib
import json
from collections.abc import Sequence

from relay.agents.llm_models import ToolSchema

# The failure type of a model call whose worker cannot find the tools its digest names.
TOOLS_UNKNOWN = "ToolsUnknown"


def tools_digest(tools: Sequence[ToolSchema]) -> str:
    canonical = json.dumps(
        [[t.name, t.description, t.parameters] for t in tools],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def as_schemas(tools: Sequence[ToolSchema]) -> list[ToolSchema]:
    """Only what the model sees (a ToolInfo carries relay's policy fields too)."""
    return [
        ToolSchema(name=t.name, description=t.description, parameters=t.parameters) for t in tools
    ]
