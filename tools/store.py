"""relay's store: the idempotency ledger and tool results kept by reference, behind one
interface with two engines.

- SQLite (the default): relay's file (`RELAY_STORE`, default `.relay/relay.db`), or the app's
  own SQLite database, where a write and its ledger row commit in one transaction. It holds on
  one host: a retry that lands on another host does not see this host's ledger.
- PostgreSQL (`RELAY_STORE` / `RELAY_DB` set to a `postgresql://` URL, tools/store_postgres.py):
  every worker on every host shares the ledger, so the guarantee holds across hosts.
"""

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LEDGER_TABLE = """
CREATE TABLE IF NOT EXISTS tool_ledger (
    key TEXT PRIMARY KEY, tool TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL,
    args_digest TEXT, owner TEXT);
"""
# Ledgers made before rows were bound to their call gain the binding's columns (NULL on old
# rows, which only the old key format can name).
LEDGER_BINDING_COLUMNS = ("args_digest", "owner")
RESULTS_TABLE = """
CREATE TABLE IF NOT EXISTS stored_results (
    key TEXT PRIMARY KEY, tool TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class LedgerRow:
    """A recorded call: what it returned, and the call it is bound to (tool, a digest of its
    arguments, who it ran for). Rows from before the binding have no digest or owner."""

    tool: str
    result: str
    args_digest: str | None
    owner: str | None


@dataclass(frozen=True)
class Statements:
    """The few statements relay runs, in an engine's own SQL (placeholders differ)."""

    recorded: str
    record: str
    put_result: str
    stored_result: str


class Transaction:
    """One open transaction. `connection` is the engine's own DB-API connection (what tools get
    as `ctx.db`). It commits when its `with` block ends, rolls back on an exception or after
    `abort()`."""

    def __init__(self, connection: Any, statements: Statements) -> None:
        self.connection = connection
        self._statements = statements
        self.aborted = False

    def recorded(self, key: str) -> LedgerRow | None:
        """The row recorded under an idempotency key, if any."""
        row = self.connection.execute(self._statements.recorded, (key,)).fetchone()
        if row is None:
            return None
        return LedgerRow(
            tool=str(row["tool"]),
            result=str(row["result"]),
            args_digest=row["args_digest"],
            owner=row["owner"],
        )

    def record(self, key: str, row: LedgerRow) -> None:
        """Keeps the first row recorded under a key; a second record is a no-op."""
        self.connection.execute(
            self._statements.record,
            (key, row.tool, row.result, _now(), row.args_digest, row.owner),
        )

    def put_result(self, key: str, tool: str, body: str) -> None:
        self.connection.execute(self._statements.put_result, (key, tool, body, _now()))

    def stored_result(self, key: str) -> str | None:
        row = self.connection.execute(self._statements.stored_result, (key,)).fetchone()
        return None if row is None else str(row["body"])

    def abort(self) -> None:
        self.aborted = True


class Store(ABC):
    """Where ledger rows (and, for relay's own store, stored results) live."""

    statements: Statements
    placeholder: str  # a query parameter in the engine's SQL

    @abstractmethod
    def connect(self) -> Any:
        """A new connection, outside any transaction."""

    @abstractmethod
    def begin(self, connection: Any, lock: str | None) -> None:
        """Open a transaction; with `lock`, calls with the same lock key run one at a time."""

    @abstractmethod
    def create_schema(self, *, results: bool) -> None:
        """The ledger table (and the stored results table); safe from many processes."""

    @contextmanager
    def transaction(self, lock: str | None = None, connection: Any = None) -> Iterator[Transaction]:
        """A transaction on a new connection, closed after; or on a kept `connection` (a
        reader's, activities/readers.py), left open."""
        kept = connection is not None
        if not kept:
            connection = self.connect()
        try:
            self.begin(connection, lock)
            tx = Transaction(connection, self.statements)
            try:
                yield tx
            except BaseException:
                connection.rollback()
                raise
            if tx.aborted:
                connection.rollback()
            else:
                connection.commit()
        finally:
            if not kept:
                connection.close()

    def set_up(self, setup: Callable[[Any], None]) -> None:
        """Run an app's database setup (schema, seed data) on a fresh connection and commit
        what it leaves open (a SQLite connection is in autocommit mode: setup may open its own
        `BEGIN IMMEDIATE`)."""
        connection = self.connect()
        try:
            setup(connection)
            connection.commit()
        finally:
            connection.close()


class SqliteStore(Store):
    placeholder = "?"
    statements = Statements(
        recorded="SELECT tool, result, args_digest, owner FROM tool_ledger WHERE key = ?",
        record="INSERT OR IGNORE INTO tool_ledger "
        "(key, tool, result, created_at, args_digest, owner) VALUES (?, ?, ?, ?, ?, ?)",
        put_result="INSERT OR REPLACE INTO stored_results (key, tool, body, created_at) "
        "VALUES (?, ?, ?, ?)",
        stored_result="SELECT body FROM stored_results WHERE key = ?",
    )

    def __init__(self, path: Path) -> None:
        self.path = path

    def connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def begin(self, connection: Any, lock: str | None) -> None:
        # IMMEDIATE takes SQLite's one write lock now, so a ledger lookup and its record
        # cannot interleave with another writer's.
        connection.execute("BEGIN IMMEDIATE" if lock is not None else "BEGIN")

    def create_schema(self, *, results: bool) -> None:
        db = connect(self.path)
        try:
            db.executescript(LEDGER_TABLE + (RESULTS_TABLE if results else ""))
            have = {row["name"] for row in db.execute("PRAGMA table_info(tool_ledger)")}
            for column in LEDGER_BINDING_COLUMNS:
                if column not in have:
                    db.execute(f"ALTER TABLE tool_ledger ADD COLUMN {column} TEXT")
        finally:
            db.close()


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode; writers open their own `BEGIN IMMEDIATE`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def _now() -> str:
    return datetime.now(UTC).isoformat()
