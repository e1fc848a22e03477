"""`mcp.json`: the MCP servers a worker may start or reach, in the shape MCP clients share.

    {"mcpServers": {
        "time": {"command": "mcp-server-time", "args": [], "env": {}},
        "docs": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ..."}}
    }}

relay's own optional keys per server: `trusted` (false: its tools' output is open-world
content) and `timeout_seconds` / `startup_seconds`. The file stays on the worker: it may hold
secrets, and only tool names, schemas and hashes go into workflow history.
"""

import json
import re
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SERVER_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"


class McpConfigError(ValueError):
    """`mcp.json` is missing, unreadable or not in the expected shape (one line)."""


class McpServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    type: str | None = None  # some clients write "stdio" / "http"; the keys above decide
    trusted: bool = True
    timeout_seconds: float = Field(default=30.0, gt=0)
    startup_seconds: float = Field(default=20.0, gt=0)

    @model_validator(mode="after")
    def _one_transport(self) -> Self:
        if (self.command is None) == (self.url is None):
            raise ValueError("give either `command` (stdio) or `url` (streamable HTTP)")
        return self


class McpConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    servers: dict[str, McpServerConfig] = Field(default_factory=dict, alias="mcpServers")

    @model_validator(mode="after")
    def _names(self) -> Self:
        for name in self.servers:
            if not re.match(SERVER_NAME, name) or "__" in name:
                raise ValueError(
                    f"server name {name!r}: use letters, digits, '-' and single '_' "
                    "('__' separates server and tool in tool names)"
                )
        return self


def load_mcp_config(path: Path | None) -> McpConfig:
    """The servers in `path`; none when no file is configured."""
    if path is None:
        return McpConfig()
    try:
        raw = json.loads(path.read_text())
    except OSError as err:
        raise McpConfigError(f"cannot read MCP config {path}: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise McpConfigError(f"MCP config {path} is not JSON: {err}") from err
    try:
        return McpConfig.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise McpConfigError(f"MCP config {path}: {where}: {first['msg']}") from err
