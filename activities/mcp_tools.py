"""MCP tools: discovery at the start of a run, and one governed call to a server's tool.

Discovery happens once per run, in an activity, and its result is frozen into the workflow's
history, so replay never talks to a server. Each call re-lists the server's tools first and
refuses one whose description no longer matches the hash taken at discovery (a rug pull).
"""

import asyncio
import json
from typing import Any

import mcp_types
from mcp.shared.exceptions import MCPError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.activities.failures import clipped_text, failures_that_fit
from relay.activities.ledger_keys import call_key
from relay.activities.mcp_connections import McpConnections, McpUnavailable
from relay.activities.telemetry import tool_span
from relay.agents.specs import Agent
from relay.agents.tool_models import ToolInfo, ToolObservation, ToolRequest
from relay.settings import Settings
from relay.tools.mcp_bridge import description_hash, exposed_name, granted, grants_server, tool_info

MAX_RESULT_CHARS = 16_000  # a tool result is history; keep one call from bloating it
_GONE = (MCPError, OSError, McpUnavailable)
# The connection dropped, the server did not answer in time, or it failed inside: worth another
# attempt. Any other JSON-RPC error (unknown tool, invalid params) will fail the same way again.
TRANSIENT_CODES = {mcp_types.CONNECTION_CLOSED, mcp_types.REQUEST_TIMEOUT, mcp_types.INTERNAL_ERROR}


class McpToolActivities:
    def __init__(
        self, settings: Settings, connections: McpConnections, agents: dict[str, Agent]
    ) -> None:
        self._settings = settings
        self._connections = connections
        self._agents = agents

    def _grants(self, agent: str) -> list[str]:
        """An agent's MCP grants: its own, plus the worker's configuration (RELAY_AGENT_MCP)."""
        spec = self._agents.get(agent)
        return [*(spec.mcp if spec else []), *self._settings.agent_mcp.get(agent, [])]

    async def catalog(self, agents: list[Agent]) -> dict[str, list[ToolInfo]]:
        """The MCP tools each agent may use, discovered now (only servers someone is granted)."""
        grants = {agent.name: self._grants(agent.name) for agent in agents}
        wanted = {
            server
            for server in self._connections.config.servers
            if any(grants_server(g, server) for g in grants.values())
        }
        listed = dict(
            zip(wanted, await asyncio.gather(*(self._list(s) for s in wanted)), strict=True)
        )
        return {
            agent: [
                tool_info(server, tool, self._connections.config.servers[server])
                for server, tools in listed.items()
                for tool in tools
                if granted(agent_grants, server, tool.name)
            ]
            for agent, agent_grants in grants.items()
        }

    async def _list(self, server: str) -> list[mcp_types.Tool]:
        try:
            client = await self._connections.client(server)
            return list((await client.list_tools(cache_mode="refresh")).tools)
        except _GONE as err:
            await self._connections.drop(server)
            raise _unavailable(server, "tools/list", err) from err

    @activity.defn(name="mcp_tool")
    async def run_mcp_tool(self, request: ToolRequest) -> ToolObservation:
        with tool_span(request.tool, request.agent, "mcp"), failures_that_fit():
            return await self._run(request)

    async def _run(self, request: ToolRequest) -> ToolObservation:
        server, _, _ = request.tool.partition("__")
        config = self._connections.config.servers.get(server)
        if config is None:
            raise ApplicationError(
                f"no MCP server {server!r} in this worker's configuration",
                non_retryable=True,
                type="UnknownTool",
            )
        tools = await self._list(server)
        tool = next((t for t in tools if exposed_name(server, t.name) == request.tool), None)
        if tool is None or not granted(self._grants(request.agent), server, tool.name):
            raise ApplicationError(
                f"agent {request.agent!r} is not allowed to use tool {request.tool!r}",
                non_retryable=True,
                type="ToolNotAllowed",
            )
        if description_hash(tool) != request.description_hash:
            raise ApplicationError(
                f"MCP server {server!r} changed the description of {tool.name!r} since the run "
                "discovered it (possible rug pull)",
                non_retryable=True,
                type="McpToolChanged",
            )
        try:
            client = await self._connections.client(server)
            result = await client.call_tool(
                tool.name,
                request.arguments,
                read_timeout_seconds=config.timeout_seconds,
                meta={"relay/idempotency-key": call_key(request)},
            )
        except MCPError as err:
            if err.code not in TRANSIENT_CODES:
                raise ApplicationError(
                    f"MCP server {server!r} refused {tool.name}: {err}",
                    non_retryable=True,
                    type="McpProtocolError",
                ) from err
            await self._connections.drop(server)
            raise _unavailable(server, f"tools/call {tool.name}", err) from err
        except _GONE as err:
            await self._connections.drop(server)
            raise _unavailable(server, f"tools/call {tool.name}", err) from err
        return _observation(request.tool, result)


def _unavailable(server: str, during: str, err: BaseException) -> ApplicationError:
    return ApplicationError(
        f"MCP server {server!r} is unavailable ({during}): {err or type(err).__name__}; "
        "the next attempt starts it again",
        type="McpUnavailable",
    )


def _observation(name: str, result: mcp_types.CallToolResult) -> ToolObservation:
    text = "\n".join(
        block.text for block in result.content if isinstance(block, mcp_types.TextContent)
    )
    if result.is_error:
        error = clipped_text(text or "the tool reported an error", MAX_RESULT_CHARS)
        return ToolObservation(tool=name, ok=False, error=error)
    data: Any = result.structured_content if result.structured_content is not None else _json(text)
    if len(json.dumps(data, default=str)) > MAX_RESULT_CHARS:
        data = clipped_text(json.dumps(data, default=str), MAX_RESULT_CHARS)
    return ToolObservation(tool=name, ok=True, data=data)


def _json(text: str) -> Any:
    """Servers often return JSON as text; the model reads it better as data."""
    try:
        return json.loads(text)
    except ValueError:
        return text
