"""Memories in relay's store, searched by relevance: SQLite FTS5 (bm25) by default, PostgreSQL
full-text search (ts_rank) when the store is PostgreSQL, or by an app's embedding function
(Memory(embed=...)) when it has one. Every write is keyed by the memory's
id (a digest of the call's ledger key), so a retried `remember` stores one memory."""

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from relay.agents.memory import MemoryRecord, Preference
from relay.tools.store import SqliteStore, Store

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY, app TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL,
    goal_id TEXT NOT NULL, agent TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL,
    untrusted INTEGER NOT NULL, vector TEXT);
CREATE INDEX IF NOT EXISTS memories_subject ON memories (app, subject);
CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(
    text, content='memories', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER IF NOT EXISTS memories_added AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text) VALUES (new.rowid, new.text); END;
CREATE TRIGGER IF NOT EXISTS memories_removed AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
"""
PREFERENCES_TABLE = """
CREATE TABLE IF NOT EXISTS preferences (
    app TEXT NOT NULL, subject TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    goal_id TEXT NOT NULL, agent TEXT NOT NULL, source TEXT NOT NULL, updated_at TEXT NOT NULL,
    untrusted BOOLEAN NOT NULL, PRIMARY KEY (app, subject, key))"""
POSTGRES_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY, app TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL,
    goal_id TEXT NOT NULL, agent TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL,
    untrusted BOOLEAN NOT NULL, vector TEXT,
    words tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)""",
    "CREATE INDEX IF NOT EXISTS memories_subject ON memories (app, subject)",
    "CREATE INDEX IF NOT EXISTS memories_words ON memories USING GIN (words)",
    PREFERENCES_TABLE,
]
PREFERENCE_COLUMNS = "key, value, goal_id, agent, source, updated_at, untrusted"
COLUMNS = "id, app, subject, text, goal_id, agent, source, created_at, untrusted, vector"
WORD = re.compile(r"\w+")


class MemoryStore:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._sqlite = isinstance(store, SqliteStore)
        self._mark = store.placeholder

    def create_schema(self) -> None:
        """The memories table and its full-text index; safe from many processes."""
        if self._sqlite:
            db = self._store.connect()
            try:
                db.executescript(SQLITE_SCHEMA + PREFERENCES_TABLE + ";")
                # Tables made before embeddings were kept gain the column.
                if "vector" not in {r["name"] for r in db.execute("PRAGMA table_info(memories)")}:
                    db.execute("ALTER TABLE memories ADD COLUMN vector TEXT")
            finally:
                db.close()
            return
        with self._store.transaction(lock="memories schema") as tx:
            for statement in POSTGRES_SCHEMA:
                tx.connection.execute(statement)
            tx.connection.execute("ALTER TABLE memories ADD COLUMN IF NOT EXISTS vector TEXT")

    def add(self, record: MemoryRecord) -> bool:
        """Store a memory; False when one with its id was stored before (a retried call)."""
        marks = ", ".join([self._mark] * 10)
        conflict = "OR IGNORE " if self._sqlite else ""
        tail = "" if self._sqlite else " ON CONFLICT (id) DO NOTHING"
        with self._store.transaction() as tx:
            cursor = tx.connection.execute(
                f"INSERT {conflict}INTO memories ({COLUMNS}) VALUES ({marks}){tail}",
                (
                    record.id,
                    record.app,
                    record.subject,
                    record.text,
                    record.goal_id,
                    record.agent,
                    record.source,
                    record.created_at,
                    record.untrusted,
                    None if record.vector is None else json.dumps(record.vector),
                ),
            )
            return cursor.rowcount == 1

    def search(self, app: str, subject: str, query: str, limit: int) -> list[MemoryRecord]:
        """The subject's memories most relevant to `query` (any of its words), best first;
        the newest when the query has no words."""
        words = WORD.findall(query.lower())[:20]
        if not words:
            return self.memories_of(app, subject)[:limit]
        m = self._mark
        if self._sqlite:
            match = " OR ".join(f'"{w}"' for w in words)
            sql = (
                f"SELECT {', '.join('m.' + c for c in COLUMNS.split(', '))} FROM memories_fts "
                f"JOIN memories m ON m.rowid = memories_fts.rowid WHERE memories_fts MATCH {m} "
                f"AND m.app = {m} AND m.subject = {m} "
                f"ORDER BY bm25(memories_fts), m.created_at DESC LIMIT {m}"
            )
        else:
            match = " | ".join(words)
            sql = (
                f"SELECT {COLUMNS} FROM memories WHERE words @@ to_tsquery('english', {m}) "
                f"AND app = {m} AND subject = {m} "
                f"ORDER BY ts_rank(words, to_tsquery('english', {m})) DESC, created_at DESC "
                f"LIMIT {m}"
            )
        params: tuple[Any, ...] = (
            (match, app, subject, limit) if self._sqlite else (match, app, subject, match, limit)
        )
        with self._store.transaction() as tx:
            return [_record(row) for row in tx.connection.execute(sql, params).fetchall()]

    def nearest(
        self, app: str, subject: str, vector: list[float], limit: int
    ) -> list[MemoryRecord]:
        """The subject's memories whose embeddings are closest to `vector` (cosine), best
        first; memories kept without an embedding come after, newest first. A subject's
        memories are few: they are ranked here, not in the database."""
        kept = self.memories_of(app, subject)
        ranked = sorted(kept, key=lambda r: -_cosine(vector, r.vector) if r.vector else 2.0)
        return ranked[:limit]

    def memories_of(self, app: str, subject: str) -> list[MemoryRecord]:
        """Every memory of the subject, newest first."""
        m = self._mark
        sql = (
            f"SELECT {COLUMNS} FROM memories WHERE app = {m} AND subject = {m} "
            "ORDER BY created_at DESC"
        )
        with self._store.transaction() as tx:
            return [_record(row) for row in tx.connection.execute(sql, (app, subject)).fetchall()]

    def forget(self, app: str, subject: str, memory_id: str | None = None) -> int:
        """Delete the subject's memories and preferences (or one memory); how many went."""
        m = self._mark
        sql = f"DELETE FROM memories WHERE app = {m} AND subject = {m}"
        params: tuple[str, ...] = (app, subject)
        if memory_id is not None:
            sql += f" AND id = {m}"
            params += (memory_id,)
        with self._store.transaction(lock="memories") as tx:
            gone = int(tx.connection.execute(sql, params).rowcount)
            if memory_id is None:
                preferences = f"DELETE FROM preferences WHERE app = {m} AND subject = {m}"
                gone += int(tx.connection.execute(preferences, (app, subject)).rowcount)
            return gone

    def set_preference(self, app: str, subject: str, preference: Preference) -> None:
        """The subject's value for the key, replacing the one before (with its provenance)."""
        m = self._mark
        marks = ", ".join([m] * 9)
        sql = (
            f"INSERT INTO preferences (app, subject, {PREFERENCE_COLUMNS}) VALUES ({marks}) "
            "ON CONFLICT (app, subject, key) DO UPDATE SET value = excluded.value, "
            "goal_id = excluded.goal_id, agent = excluded.agent, source = excluded.source, "
            "updated_at = excluded.updated_at, untrusted = excluded.untrusted"
        )
        row = preference.model_dump()
        values = (app, subject, *(row[c] for c in PREFERENCE_COLUMNS.split(", ")))
        with self._store.transaction() as tx:
            tx.connection.execute(sql, values)

    def preferences(self, app: str, subject: str) -> list[Preference]:
        m = self._mark
        sql = (
            f"SELECT {PREFERENCE_COLUMNS} FROM preferences WHERE app = {m} AND subject = {m} "
            "ORDER BY key"
        )
        with self._store.transaction() as tx:
            rows = tx.connection.execute(sql, (app, subject)).fetchall()
        return [
            Preference.model_validate({**dict(row), "untrusted": bool(row["untrusted"])})
            for row in rows
        ]

    def expire(self, app: str, ttl_days: int, now: datetime | None = None) -> int:
        """Forget the app's memories older than `ttl_days`; how many went."""
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=ttl_days)).isoformat()
        m = self._mark
        with self._store.transaction(lock="memories") as tx:
            sql = f"DELETE FROM memories WHERE app = {m} AND created_at < {m}"
            return int(tx.connection.execute(sql, (app, cutoff)).rowcount)


def _record(row: Any) -> MemoryRecord:
    return MemoryRecord(
        id=row["id"],
        app=row["app"],
        subject=row["subject"],
        text=row["text"],
        goal_id=row["goal_id"],
        agent=row["agent"],
        source=row["source"],
        created_at=row["created_at"],
        untrusted=bool(row["untrusted"]),
        vector=None if row["vector"] is None else json.loads(row["vector"]),
    )


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0
