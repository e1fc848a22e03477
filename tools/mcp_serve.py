"""An app's tools served over MCP (stdio), so any MCP client can use them.

The same governance as inside relay, minus the human in the loop: arguments are validated,
risk is published as MCP annotations, write tools go through the idempotency ledger (keyed by the
client's `relay/idempotency-key` in `_meta` when it sends one), and a call that relay would stop
for a human approval is refused: approvals need a relay run (`relay run`).

A client's keys live in a namespace of their own, per context owner (`mcp-serve/<owner>/...`):
they can never name, read or pre-record the key of a relay run or of another owner's client.
"""

import asyncio
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from relay.agents.specs import Agent
from relay.agents.tool_models import Risk
from relay.tools.definition import ToolDefinition
from relay.tools.executor import InvalidToolArguments
from relay.tools.runtime import AppRuntime

_HINTS: dict[Risk, types.ToolAnnotations] = {
    "read": types.ToolAnnotations(read_only_hint=True, destructive_hint=False),
    "write": types.ToolAnnotations(read_only_hint=False, destructive_hint=False),
    "irreversible": types.ToolAnnotations(read_only_hint=False, destructive_hint=True),
}


MAX_CLIENT_KEY_CHARS = 200


def _mcp_tool(tool: ToolDefinition) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.args_model.model_json_schema(),
        annotations=_HINTS[tool.risk].model_copy(update={"idempotent_hint": tool.idempotent}),
    )


def _text(message: str, *, error: bool) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=error
    )


def build_server(
    runtime: AppRuntime, agent: Agent | None = None, context: dict[str, str] | None = None
) -> Server[Any]:
    """An MCP server for the app's tools; only `agent`'s tools when one is given. `context` is
    what a goal's context would be (e.g. the customer the client acts for): guards check it."""
    toolset = runtime.app.tools
    owner = json.dumps(context or {}, sort_keys=True).encode()
    namespace = f"mcp-serve/{hashlib.sha256(owner).hexdigest()[:16]}"
    names = agent.tools if agent is not None else toolset.names()
    tools = {name: tool for name in names if (tool := toolset.get(name)) is not None}

    async def list_tools(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_mcp_tool(t) for t in tools.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name}")
        arguments = dict(params.arguments or {})
        needs_human = tool.always_approve or (
            tool.approval_rule.reason(arguments) if tool.approval_rule else None
        )
        if needs_human is not None:
            return _text(
                f"refused: {needs_human}; that needs a human approval, so run it through "
                "relay (`relay run`)",
                error=True,
            )
        meta: Mapping[str, Any] = params.meta or {}
        client_key = str(meta.get("relay/idempotency-key") or uuid.uuid4())
        if len(client_key) > MAX_CLIENT_KEY_CHARS:
            return _text(
                f"relay/idempotency-key is over {MAX_CLIENT_KEY_CHARS} characters", error=True
            )
        key = f"{namespace}/{client_key}"
        try:
            observation = await asyncio.to_thread(
                runtime.execute,
                tool,
                arguments,
                key=key,
                context=context or {},
                requested_by=None,
                heartbeat=lambda *_: None,
            )
        except InvalidToolArguments as err:
            return _text(str(err), error=True)
        except Exception as err:  # the client decides whether to retry; it gets one line
            return _text(f"{tool.name} failed: {err}", error=True)
        if not observation.ok:
            return _text(observation.error or f"{tool.name} failed", error=True)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=observation.model_dump_json())],
            structured_content={"result": observation.data},
        )

    def input_schema(name: str) -> Mapping[str, Any] | None:
        tool = tools.get(name)
        return tool.args_model.model_json_schema() if tool is not None else None

    return Server(
        f"relay-{runtime.app.name}",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=input_schema,
    )


async def serve_stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
