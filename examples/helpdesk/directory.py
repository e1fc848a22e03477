"""The helpdesk's systems: a user directory, service status and a ticket queue, kept in a
SQLite file of the helpdesk's own. To relay these are external systems (the app declares no
relay database), so effects take relay's idempotency key as their own: a retried reset or
ticket finds the one it already made."""

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, locked INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS services (name TEXT PRIMARY KEY, status TEXT NOT NULL, note TEXT);
CREATE TABLE IF NOT EXISTS resets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, request_key TEXT UNIQUE NOT NULL,
    user_id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, request_key TEXT UNIQUE NOT NULL, id TEXT UNIQUE,
    user_id TEXT NOT NULL, summary TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL);
"""
USERS = [
    ("U-1001", "Grace Hopper", "grace@example.com", 1),
    ("U-1002", "Ken Thompson", "ken@example.com", 0),
]
SERVICES = [
    ("vpn", "degraded", "INC-2001: one VPN gateway is down; reconnecting picks another"),
    ("email", "operational", None),
    ("wifi", "operational", None),
]


class Directory:
    """One connection per call (tools run on threads); writes serialise on the file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(SCHEMA)
            if db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
                db.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", USERS)
                db.executemany("INSERT INTO services VALUES (?, ?, ?)", SERVICES)

    def _db(self) -> sqlite3.Connection:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, timeout=30.0)
        db.row_factory = sqlite3.Row
        return db

    def user(self, user_id: str) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else {**dict(row), "locked": bool(row["locked"])}

    def service(self, name: str) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM services WHERE name = ?", (name,)).fetchone()
        return None if row is None else dict(row)

    def reset_password(self, user_id: str, request_key: str) -> dict[str, Any]:
        """Unlocks the account and resets its password once per request key."""
        with self._lock, self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO resets (request_key, user_id, at) VALUES (?, ?, ?)",
                (request_key, user_id, datetime.now(UTC).isoformat()),
            )
            db.execute("UPDATE users SET locked = 0 WHERE id = ?", (user_id,))
            reset = db.execute(
                "SELECT id FROM resets WHERE request_key = ?", (request_key,)
            ).fetchone()
        return {"user_id": user_id, "reset_id": f"RST-{reset['id']:04d}", "locked": False}

    def open_ticket(self, user_id: str, summary: str, request_key: str) -> dict[str, Any]:
        with self._lock, self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO tickets (request_key, user_id, summary, status, at) "
                "VALUES (?, ?, ?, 'open', ?)",
                (request_key, user_id, summary, datetime.now(UTC).isoformat()),
            )
            if cursor.rowcount:
                db.execute(
                    "UPDATE tickets SET id = ? WHERE seq = ?",
                    (f"TKT-{3000 + cursor.lastrowid}", cursor.lastrowid),
                )
            row = db.execute(
                "SELECT id, status FROM tickets WHERE request_key = ?", (request_key,)
            ).fetchone()
        return {"ticket_id": row["id"], "status": row["status"]}

    def close_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        with self._lock, self._db() as db:
            found = db.execute("SELECT id FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            if found is not None:
                db.execute("UPDATE tickets SET status = 'closed' WHERE id = ?", (ticket_id,))
        return None if found is None else {"ticket_id": ticket_id, "status": "closed"}

    def rows(self, table: str) -> list[dict[str, Any]]:
        """For checks: a table's rows."""
        with self._db() as db:
            return [dict(r) for r in db.execute(f"SELECT * FROM {table}").fetchall()]


def open_directory(data_dir: Path) -> Directory:
    """The app's resources factory: relay calls it once per worker with its data directory."""
    return Directory(data_dir / "helpdesk-directory.db")
