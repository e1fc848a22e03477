"""What a tool handler is given besides its arguments."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class NoDatabase(RuntimeError):
    """A tool asked for `ctx.db` in an app that declares no database."""


@dataclass
class ToolContext:
    """`idempotency_key` names this call (workflow id / activity id, never the attempt): send
    it on to an external system as its idempotency key. `context` is the goal's context (string
    keys and values the app defines), `requested_by` who asked. `resources` is what the app's
    `resources` factory opened once per worker. `db` is a connection to the app's own database
    (`sqlite3.Connection`, or `psycopg.Connection` with rows as dicts for PostgreSQL), inside
    the transaction that also writes the call's ledger row."""

    idempotency_key: str
    context: Mapping[str, str]
    heartbeat: Callable[..., None]
    requested_by: str | None = None
    resources: Any = None
    connection: Any = field(default=None, repr=False)
    # The agent calling, and why its context is tainted (None when it is not): relay's own
    # memory tools record both with a memory.
    agent: str | None = None
    tainted_by: str | None = None
    # The goal's subject's standing preferences (App(memory=Memory(preferences=...))).
    preferences: Mapping[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        if self.connection is None:
            raise NoDatabase("this app declares no database (App(database=...)); ctx.db is unset")
        return self.connection

    @property
    def customer_id(self) -> str | None:
        """Deprecated: `context["customer_id"]`. Kept for one release."""
        return self.context.get("customer_id")
