"""An app's tools made ready to run in this process: relay's store and the ledger created, the
app's database set up, its resources opened once (on first use)."""

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from relay.agents.memory import Preference
from relay.agents.tool_models import ToolObservation, ToolOutcome
from relay.app import App, AppError
from relay.settings import Settings
from relay.tools.definition import ToolDefinition
from relay.tools.executor import CallScope, call_outcome, execute_tool
from relay.tools.memory_store import MemoryStore
from relay.tools.memory_tools import memory_tools
from relay.tools.rate_store import RateLimiter
from relay.tools.store import Store, is_postgres_url
from relay.tools.stored_results import stored_result_tool
from relay.tools.stores import open_store


class AppRuntime:
    def __init__(self, app: App, settings: Settings) -> None:
        self.app = app
        self._settings = settings
        self.store = open_store(settings.store())
        self.store.create_schema(results=True)
        # relay's own tool, every agent's: large results read back in pages
        self.read_stored = stored_result_tool(self.store, settings.max_tool_result_bytes)
        # relay's own memory tools, for the agents that list them (App(memory=...))
        self.memory_tools: dict[str, ToolDefinition] = {}
        if app.memory is not None:
            self.memories = MemoryStore(self.store)
            self.memories.create_schema()
            self.memory_tools = memory_tools(self.memories, app.name, app.memory)
        self.limiter = RateLimiter(self.store)
        self.limiter.create_schema()
        self.database = self._open_database()
        self._resources: Any = None
        self._opened = False
        self._lock = threading.Lock()

    def _open_database(self) -> Store | None:
        declared = self.app.database
        if declared is None:
            return None
        location = self._settings.app_db(self.app.name)
        on_postgres = isinstance(location, str) and is_postgres_url(location)
        if on_postgres != (declared.engine == "postgresql"):
            raise AppError(
                f"app {self.app.name!r} keeps its data in {declared.engine}, but RELAY_DB is "
                f"{'a PostgreSQL URL' if on_postgres else 'a SQLite path'}"
            )
        database = open_store(location)
        database.create_schema(results=False)
        if declared.setup is not None:
            database.set_up(declared.setup)
        return database

    def preferences_of(self, context: Mapping[str, str]) -> Mapping[str, str]:
        """The goal's subject's preferences, for its tools (`ctx.preferences`): read from the
        store when a tool first looks, so the calls that never do cost no store round trip."""
        memory = self.app.memory
        subject = context.get(memory.scope) if memory and memory.preferences else None
        if memory is None or not subject:
            return {}
        return LazyPreferences(lambda: self.memories.preferences(self.app.name, subject))

    def resources(self) -> Any:
        """What the app's `resources` factory returns, made once per process (tools run on
        threads of their own, hence the lock)."""
        if self.app.resources is None:
            return None
        with self._lock:
            if not self._opened:
                self._resources = self.app.resources(self._settings.data_dir)
                self._opened = True
        return self._resources

    def outcome(
        self,
        tool: ToolDefinition,
        arguments: dict[str, Any],
        *,
        key: str,
        context: Mapping[str, str],
        requested_by: str | None,
    ) -> ToolOutcome:
        """What the ledger says of a call whose every attempt failed."""
        scope = CallScope(
            idempotency_key=key,
            context=context,
            heartbeat=lambda *_: None,
            requested_by=requested_by,
        )
        return call_outcome(tool, arguments, scope, store=self.store, database=self.database)

    def execute(
        self,
        tool: ToolDefinition,
        arguments: dict[str, Any],
        *,
        key: str,
        context: Mapping[str, str],
        requested_by: str | None,
        heartbeat: Callable[..., None],
        on_committed: Callable[[], None] = lambda: None,
        check_only: bool = False,
        connection: Any = None,
        agent: str | None = None,
        tainted_by: str | None = None,
    ) -> ToolObservation:
        if tool.limits is not None:  # before any effect, and before a human is asked
            limits = tool.limits
            denied = self.limiter.take(
                tool.name,
                limits,
                limits.scope(dict(context), requested_by),
                key,
                time.time(),
                peek=check_only,
            )
            if denied is not None:
                return ToolObservation(
                    tool=tool.name,
                    ok=False,
                    refused=True,
                    error=denied.message,
                    data={"rate_limited": denied.kind, "retry_after_s": denied.retry_after_s},
                )
        scope = CallScope(
            idempotency_key=key,
            context=context,
            heartbeat=heartbeat,
            requested_by=requested_by,
            resources=self.resources(),
            agent=agent,
            tainted_by=tainted_by,
            preferences=self.preferences_of(context),
        )
        return execute_tool(
            tool,
            arguments,
            scope,
            store=self.store,
            database=self.database,
            on_committed=on_committed,
            check_only=check_only,
            connection=connection,
        )


class LazyPreferences(Mapping[str, str]):
    """A subject's preferences, read once, on first use."""

    def __init__(self, read: Callable[[], Sequence[Preference]]) -> None:
        self._read = read
        self._values: dict[str, str] | None = None

    def _loaded(self) -> dict[str, str]:
        if self._values is None:
            self._values = {p.key: p.value for p in self._read()}
        return self._values

    def __getitem__(self, key: str) -> str:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())
