"""Live MCP sessions, one per configured server, started on first use and restarted after a crash.

Each session is owned by a task of its own: the MCP SDK's transports are anyio task groups that
must be entered and left by the same task, while calls arrive from many activity tasks. A call
that finds the server gone drops the session, so the next attempt starts a fresh process.
"""

import asyncio
import contextlib
import sys
from pathlib import Path
from shutil import which

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from relay.tools.mcp_config import McpConfig, McpServerConfig


class McpUnavailable(Exception):
    """The server could not be started or reached, or went away mid-call (retryable)."""


def _command(command: str) -> str:
    """Commands next to this Python first (a venv's console scripts), then on PATH."""
    beside = Path(sys.executable).parent / command
    if "/" not in command and beside.is_file():
        return str(beside)
    return which(command) or command


class _Session:
    def __init__(self, name: str, config: McpServerConfig) -> None:
        self.name = name
        self._config = config
        self._stop = asyncio.Event()
        self._owner: asyncio.Task[None] | None = None
        self.client: Client | None = None

    def _target(self) -> StdioServerParameters | str:
        config = self._config
        if config.url is not None:
            return config.url
        assert config.command is not None
        return StdioServerParameters(
            command=_command(config.command), args=config.args, env=config.env, cwd=config.cwd
        )

    async def open(self) -> Client:
        ready: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        self._owner = asyncio.create_task(self._hold(ready), name=f"mcp-{self.name}")
        try:
            return await asyncio.wait_for(asyncio.shield(ready), self._config.startup_seconds)
        except TimeoutError as err:
            await self.close()
            raise McpUnavailable(
                f"MCP server {self.name!r} did not start within {self._config.startup_seconds:g}s"
            ) from err
        except Exception as err:
            await self.close()
            raise McpUnavailable(f"MCP server {self.name!r} could not start: {err}") from err

    async def _hold(self, ready: asyncio.Future[Client]) -> None:
        try:
            async with Client(
                self._target(), read_timeout_seconds=self._config.timeout_seconds
            ) as c:
                self.client = c
                ready.set_result(c)
                await self._stop.wait()
        except BaseException as err:
            if not ready.done():
                ready.set_exception(err if isinstance(err, Exception) else RuntimeError(str(err)))
            if isinstance(err, asyncio.CancelledError):
                raise
        finally:
            self.client = None

    async def close(self) -> None:
        self._stop.set()
        if self._owner is not None and not self._owner.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._owner), 5)
            except TimeoutError:
                self._owner.cancel()
                with contextlib.suppress(BaseException):
                    await self._owner


class McpConnections:
    """The worker's MCP sessions by server name."""

    def __init__(self, config: McpConfig) -> None:
        self.config = config
        self._sessions: dict[str, _Session] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def client(self, server: str) -> Client:
        async with self._locks.setdefault(server, asyncio.Lock()):
            session = self._sessions.get(server)
            if session is not None and session.client is not None:
                return session.client
            session = _Session(server, self.config.servers[server])
            client = await session.open()
            self._sessions[server] = session
            return client

    async def drop(self, server: str) -> None:
        """Forget a session whose server went away; the next call starts it again."""
        async with self._locks.setdefault(server, asyncio.Lock()):
            session = self._sessions.pop(server, None)
        if session is not None:
            await session.close()

    async def close(self) -> None:
        for server in list(self._sessions):
            await self.drop(server)
