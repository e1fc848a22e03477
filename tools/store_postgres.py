"""relay's store in PostgreSQL: one ledger for every worker on every host.

Calls with the same idempotency key are serialized by a transaction-scoped advisory lock, so a
retry that lands on another host while the first attempt is still running waits for it and
then finds its ledger row. An app whose data lives in the same PostgreSQL database
(`Database(engine="postgresql")`) commits each write with its ledger row in one transaction.
"""

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import dict_row

from relay.tools.store import (
    LEDGER_BINDING_COLUMNS,
    LEDGER_TABLE,
    RESULTS_TABLE,
    Statements,
    Store,
)

# Any fixed number: it serializes schema creation and app setup (concurrent CREATE TABLE IF
# NOT EXISTS can fail on PostgreSQL's catalog).
SCHEMA_LOCK = 0x72656C6179


class StoreUnavailable(RuntimeError):
    """The PostgreSQL store cannot be reached; the message is one line without the password."""


class PostgresStore(Store):
    placeholder = "%s"
    statements = Statements(
        recorded="SELECT tool, result, args_digest, owner FROM tool_ledger WHERE key = %s",
        record="INSERT INTO tool_ledger (key, tool, result, created_at, args_digest, owner) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
        put_result="INSERT INTO stored_results (key, tool, body, created_at) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET body = EXCLUDED.body",
        stored_result="SELECT body FROM stored_results WHERE key = %s",
    )

    def __init__(self, url: str) -> None:
        self.url = url

    def connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, row_factory=dict_row, connect_timeout=10)
        except psycopg.OperationalError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise StoreUnavailable(f"PostgreSQL store unreachable: {first}") from None

    def begin(self, connection: Any, lock: str | None) -> None:
        # psycopg opens the transaction at the first statement.
        if lock is not None:
            connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock,))

    def set_up(self, setup: Callable[[Any], None]) -> None:
        """An app's setup in one transaction, one worker at a time."""
        with self.transaction() as tx:
            tx.connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            setup(tx.connection)

    def create_schema(self, *, results: bool) -> None:
        with self.transaction() as tx:
            tx.connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            tx.connection.execute(LEDGER_TABLE)
            for column in LEDGER_BINDING_COLUMNS:
                tx.connection.execute(
                    f"ALTER TABLE tool_ledger ADD COLUMN IF NOT EXISTS {column} TEXT"
                )
            if results:
                tx.connection.execute(RESULTS_TABLE)
