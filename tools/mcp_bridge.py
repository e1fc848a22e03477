"""How an MCP server's tools become relay tools: names, risk, the rug-pull hash, grants."""

import hashlib
import json
import re

import mcp_types

from relay.agents.tool_models import Risk, ToolInfo, ToolRetry
from relay.tools.mcp_config import McpServerConfig

SEPARATOR = "__"


def exposed_name(server: str, tool: str) -> str:
    """`server__tool`, limited to what every provider accepts as a function name."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{server}{SEPARATOR}{tool}")[:64]


def description_hash(tool: mcp_types.Tool) -> str:
    """What the model is told about a tool: a server that changes it after discovery is lying
    to the model mid-run (a "rug pull"), so calls compare this hash first."""
    described = tool.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        include={"description", "input_schema", "annotations"},
    )
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def risk_of(tool: mcp_types.Tool) -> Risk:
    """`readOnlyHint` -> read; `destructiveHint` -> irreversible; anything else -> write."""
    hints = tool.annotations
    if hints is not None and hints.read_only_hint:
        return "read"
    if hints is not None and hints.destructive_hint:
        return "irreversible"
    return "write"


def tool_info(server: str, tool: mcp_types.Tool, config: McpServerConfig) -> ToolInfo:
    risk = risk_of(tool)
    return ToolInfo(
        name=exposed_name(server, tool.name),
        description=f"[MCP server {server}] {tool.description or tool.name}",
        parameters=tool.input_schema,
        risk=risk,
        always_approve=(
            f"{server} marks {tool.name} as destructive (MCP destructiveHint)"
            if risk == "irreversible"
            else None
        ),
        timeout_seconds=config.timeout_seconds,
        # Non-read MCP tools get one attempt: relay cannot give a remote server an idempotency
        # key it will honour, so a blind retry could act twice. Reads retry freely.
        retry=ToolRetry(max_attempts=5 if risk == "read" else 1),
        source="mcp",
        server=server,
        remote_name=tool.name,
        description_hash=description_hash(tool),
        untrusted_output=not config.trusted and open_world(tool),
    )


def open_world(tool: mcp_types.Tool) -> bool:
    """Whether a tool may return content from outside: MCP's `openWorldHint` defaults to true,
    and a tool that is not read-only is never assumed closed."""
    hints = tool.annotations
    if hints is None or not hints.read_only_hint:
        return True
    return hints.open_world_hint is not False


def granted(grants: list[str], server: str, tool: str) -> bool:
    """Grants name a whole server (`time`) or one tool (`time__get_current_time`)."""
    return server in grants or exposed_name(server, tool) in grants


def grants_server(grants: list[str], server: str) -> bool:
    """True when the grants name the server or any of its tools."""
    return any(g == server or g.startswith(f"{server}{SEPARATOR}") for g in grants)
