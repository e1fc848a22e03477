"""The tool schemas a worker knows by digest (agents/tool_digest.py). `load_run_config` records
each agent's tools here as it records them in history; a worker that has not run it (a restart,
another host) builds the app's native catalogs on a miss. A digest still unknown (the run's
tools came from an MCP server this worker has not listed, or the app changed since the run
began) is read back from the goal's history (activities/recorded_tools.py); a run started
before tools went by reference sends them inline instead, as its task carries them."""

from collections.abc import Callable, Iterable, Sequence

from relay.agents.llm_models import ToolSchema
from relay.agents.tool_digest import as_schemas, tools_digest


class ToolCatalog:
    def __init__(self, native: Callable[[], Iterable[Sequence[ToolSchema]]]) -> None:
        self._native = native
        self._known: dict[str, list[ToolSchema]] = {}

    def remember(self, tools: Sequence[ToolSchema]) -> str:
        """Known from now on by their digest, which is returned."""
        digest = tools_digest(tools)
        self._known[digest] = as_schemas(tools)
        return digest

    def lookup(self, digest: str) -> list[ToolSchema] | None:
        if digest not in self._known:
            for tools in self._native():
                self.remember(tools)
        return self._known.get(digest)
