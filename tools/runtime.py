"""An app's tools made ready to run in this process: relay's store and the ledger created, the
app's database set up, its resources opened once (on first use)."""

import threading
from collections.abc import Callable, Mapping
from typing import Any

from relay.agents.models import ToolObservation
from relay.app import App
from relay.settings import Settings
from relay.tools.definition import ToolDefinition
from relay.tools.executor import CallScope, execute_tool
from relay.tools.store import LEDGER_SCHEMA, STORE_SCHEMA, connect, create_schema


class AppRuntime:
    def __init__(self, app: App, settings: Settings) -> None:
        self.app = app
        self._settings = settings
        self.store = settings.store()
        create_schema(self.store, STORE_SCHEMA)
        self.database = settings.app_db(app.name) if app.database is not None else None
        if self.database is not None:
            create_schema(self.database, LEDGER_SCHEMA)
            self._set_up_database()
        self._resources: Any = None
        self._opened = False
        self._lock = threading.Lock()

    def _set_up_database(self) -> None:
        assert self.database is not None and self.app.database is not None
        if self.app.database.setup is None:
            return
        db = connect(self.database)
        try:
            self.app.database.setup(db)
        finally:
            db.close()

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
    ) -> ToolObservation:
        scope = CallScope(
            idempotency_key=key,
            context=context,
            heartbeat=heartbeat,
            requested_by=requested_by,
            resources=self.resources(),
        )
        return execute_tool(
            tool,
            arguments,
            scope,
            store=self.store,
            database=self.database,
            on_committed=on_committed,
            check_only=check_only,
        )
