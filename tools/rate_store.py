"""Counting tool calls against their limits in relay's store, atomically: SQLite's write lock
on one host, a PostgreSQL advisory lock across hosts. A call is counted once by its ledger key,
so a retried activity never counts twice; calls older than the longest window and an hour
(KEPT_SECONDS) are dropped."""

from typing import Any

from relay.agents.rate_limits import KEPT_SECONDS, Limit, SlotDenied, ToolLimits, denial
from relay.tools.store import Store

SCHEMA = """CREATE TABLE IF NOT EXISTS tool_rate (
    tool TEXT NOT NULL, scope TEXT NOT NULL, call TEXT NOT NULL, at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (tool, scope, call))"""


class RateLimiter:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._mark = store.placeholder

    def create_schema(self) -> None:
        with self._store.transaction(lock="tool_rate schema") as tx:
            tx.connection.execute(SCHEMA)

    def take(
        self, tool: str, limits: ToolLimits, scope: str, call: str, now: float, peek: bool = False
    ) -> SlotDenied | None:
        """Count the call (unless `peek`), or say why it may not go ahead now."""
        m = self._mark
        windows = [(k, lim) for k, lim in (("rate", limits.rate), ("quota", limits.quota)) if lim]
        longest = max(limit.seconds for _, limit in windows)
        with self._store.transaction(lock=f"tool_rate:{tool}:{scope}") as tx:
            db: Any = tx.connection
            where = f"tool = {m} AND scope = {m}"
            db.execute(
                f"DELETE FROM tool_rate WHERE {where} AND at <= {m}",
                (tool, scope, now - max(longest, KEPT_SECONDS)),
            )
            counted = db.execute(
                f"SELECT 1 FROM tool_rate WHERE {where} AND call = {m}", (tool, scope, call)
            ).fetchone()
            if counted is not None:
                return None  # a retry of a counted call
            ats = [
                float(row["at"])
                for row in db.execute(
                    f"SELECT at FROM tool_rate WHERE {where} AND at > {m} ORDER BY at",
                    (tool, scope, now - longest),
                )
            ]
            for kind, limit in windows:
                denied = _over(
                    tool, kind, limit, limits, [a for a in ats if a > now - limit.seconds], now
                )
                if denied is not None:
                    return denied
            if not peek:
                db.execute(
                    f"INSERT INTO tool_rate (tool, scope, call, at) VALUES ({m}, {m}, {m}, {m})",
                    (tool, scope, call, now),
                )
        return None

    def counted(self, tool: str, scope: str) -> list[float]:
        """When the calls still counted for (tool, scope) were made, oldest first."""
        m = self._mark
        with self._store.transaction() as tx:
            rows = tx.connection.execute(
                f"SELECT at FROM tool_rate WHERE tool = {m} AND scope = {m} ORDER BY at",
                (tool, scope),
            ).fetchall()
        return [float(row["at"]) for row in rows]


def _over(
    tool: str, kind: str, limit: Limit, limits: ToolLimits, window: list[float], now: float
) -> SlotDenied | None:
    if len(window) < limit.count:
        return None
    # The slot frees when enough of the oldest calls leave the window.
    frees_at = window[len(window) - limit.count] + limit.seconds
    return denial(tool, kind, limit, limits, frees_at - now)
