"""relay's own SQLite store: the idempotency ledger and tool results kept by reference.

The ledger lives in relay's store file (`RELAY_STORE`, default `.relay/relay.db`), or, for an
app that keeps its data in a SQLite database of its own, in that database: then a write and its
ledger row commit in one transaction.
"""

import sqlite3
from pathlib import Path

LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS tool_ledger (
    key TEXT PRIMARY KEY, tool TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL);
"""
STORE_SCHEMA = (
    LEDGER_SCHEMA
    + """
CREATE TABLE IF NOT EXISTS stored_results (
    key TEXT PRIMARY KEY, tool TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
"""
)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode; writers open their own `BEGIN IMMEDIATE`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def create_schema(path: Path, schema: str) -> None:
    """Create tables if they are missing; safe to call from many processes."""
    db = connect(path)
    try:
        db.executescript(schema)
    finally:
        db.close()
