"""Requests and tokens per window of a provider route, counted in relay's store so every
worker on every host shares them (SQLite's write lock on one host, a PostgreSQL advisory lock
across hosts), and a provider's own Retry-After, which pauses the route for all of them.

A call reserves its estimated tokens when it takes its slot; its answer's usage replaces the
estimate. Rows stay an hour, or a window if longer (KEPT_SECONDS: so any recent window can be
checked after the fact), then go."""

from typing import Any

from relay.agents.model_limits import ModelLimits
from relay.agents.rate_limits import KEPT_SECONDS
from relay.tools.store import Store

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS model_rate (
    route TEXT NOT NULL, call TEXT NOT NULL, at DOUBLE PRECISION NOT NULL,
    tokens INTEGER NOT NULL, PRIMARY KEY (route, call))""",
    "CREATE INDEX IF NOT EXISTS model_rate_at ON model_rate (route, at)",
    """CREATE TABLE IF NOT EXISTS model_pause (
    route TEXT PRIMARY KEY, until DOUBLE PRECISION NOT NULL)""",
)


class ModelRateLimiter:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._mark = store.placeholder

    def create_schema(self) -> None:
        with self._store.transaction(lock="model_rate schema") as tx:
            for statement in SCHEMA:
                tx.connection.execute(statement)

    def take(self, route: str, limits: ModelLimits, call: str, tokens: int, now: float) -> float:
        """Count the call and return 0, or return how many seconds until it may go."""
        m = self._mark
        windows = [w for w in (limits.requests, limits.tokens) if w is not None]
        longest = max(w.seconds for w in windows)
        with self._store.transaction(lock=f"model_rate:{route}") as tx:
            db: Any = tx.connection
            db.execute(
                f"DELETE FROM model_rate WHERE route = {m} AND at <= {m}",
                (route, now - max(KEPT_SECONDS, longest)),
            )
            paused = db.execute(
                f"SELECT until FROM model_pause WHERE route = {m}", (route,)
            ).fetchone()
            if paused is not None and float(paused["until"]) > now:
                return float(paused["until"]) - now
            if db.execute(
                f"SELECT 1 FROM model_rate WHERE route = {m} AND call = {m}", (route, call)
            ).fetchone():
                return 0.0  # this attempt already holds its slot
            rows = [
                (float(r["at"]), int(r["tokens"]))
                for r in db.execute(
                    f"SELECT at, tokens FROM model_rate WHERE route = {m} AND at > {m} ORDER BY at",
                    (route, now - longest),
                )
            ]
            wait = _wait(limits, rows, tokens, now)
            if wait == 0.0:
                db.execute(
                    f"INSERT INTO model_rate (route, call, at, tokens) VALUES ({m}, {m}, {m}, {m})",
                    (route, call, now, tokens),
                )
            return wait

    def used(self, route: str, call: str, tokens: int) -> None:
        """The tokens the answer reported, in place of the estimate."""
        m = self._mark
        with self._store.transaction() as tx:
            tx.connection.execute(
                f"UPDATE model_rate SET tokens = {m} WHERE route = {m} AND call = {m}",
                (tokens, route, call),
            )

    def pause(self, route: str, until: float) -> None:
        """The provider said when to come back: no worker asks this route before then."""
        m = self._mark
        with self._store.transaction(lock=f"model_rate:{route}") as tx:
            db: Any = tx.connection
            db.execute(f"DELETE FROM model_pause WHERE route = {m} AND until < {m}", (route, until))
            db.execute(
                f"INSERT INTO model_pause (route, until) VALUES ({m}, {m}) "
                "ON CONFLICT (route) DO NOTHING",
                (route, until),
            )

    def counted(self, route: str) -> list[tuple[float, int]]:
        """(when, tokens) of each call still kept for the route, oldest first."""
        m = self._mark
        with self._store.transaction() as tx:
            rows = tx.connection.execute(
                f"SELECT at, tokens FROM model_rate WHERE route = {m} ORDER BY at", (route,)
            ).fetchall()
        return [(float(r["at"]), int(r["tokens"])) for r in rows]


def _wait(limits: ModelLimits, rows: list[tuple[float, int]], tokens: int, now: float) -> float:
    """Seconds until a call of `tokens` fits every window (0: now)."""
    wait = 0.0
    requests = limits.requests
    if requests is not None:
        recent = [at for at, _ in rows if at > now - requests.seconds]
        if len(recent) >= requests.count:
            wait = max(wait, recent[len(recent) - requests.count] + requests.seconds - now)
    budget = limits.tokens
    if budget is not None:
        recent_tokens = [(at, n) for at, n in rows if at > now - budget.seconds]
        over = sum(n for _, n in recent_tokens) + min(tokens, budget.count) - budget.count
        for at, n in recent_tokens:  # the oldest leave the window first
            if over <= 0:
                break
            over -= n
            wait = max(wait, at + budget.seconds - now)
    return wait
