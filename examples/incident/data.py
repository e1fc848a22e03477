"""The incident app's world, in its SQLite database: services with their health, the incidents
opened, the restarts done and the status posts made."""

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS services (
    name TEXT PRIMARY KEY, healthy INTEGER NOT NULL, error_rate REAL NOT NULL,
    last_deploy TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, summary TEXT NOT NULL,
    status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS restarts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, incident TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS status_posts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL, message TEXT NOT NULL);
"""

# (service, healthy, error rate, last deploy): checkout and payments broke with their last
# deploys.
SERVICES = [
    ("checkout", 0, 0.12, "v2.14.0, 40 minutes ago"),
    ("payments", 0, 0.08, "v5.0.3, 15 minutes ago"),
    ("search", 1, 0.001, "v8.2.1, 3 days ago"),
]


def setup(db: sqlite3.Connection) -> None:
    """Create the schema and seed the services once; safe to call from many processes."""
    db.executescript(SCHEMA)
    db.execute("BEGIN IMMEDIATE")
    if db.execute("SELECT COUNT(*) FROM services").fetchone()[0] == 0:
        db.executemany("INSERT INTO services VALUES (?, ?, ?, ?)", SERVICES)
    db.execute("COMMIT")
