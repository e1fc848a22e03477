"""The response cache (App(cache_responses=...)): a model request answered within its TTL is
answered again from relay's store, for the same app, route entry, messages, tools and answer
schema. The workflow asks for it only while a run's context is untainted (LlmRequest.
cache_seconds); the answer says it was cached, so history, replay and audit show it."""

import hashlib
import json
from typing import Any

from relay.agents.llm_models import LlmRequest, LlmResponse, Usage
from relay.agents.model_limits import LONGEST_TTL_SECONDS  # rows older go on each write
from relay.agents.tool_digest import tools_digest
from relay.tools.store import Store

SCHEMA = """CREATE TABLE IF NOT EXISTS model_cache (
    key TEXT PRIMARY KEY, response TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)"""


class ResponseCache:
    def __init__(self, store: Store, app: str) -> None:
        self._store = store
        self._app = app
        self._mark = store.placeholder
        with store.transaction(lock="model_cache schema") as tx:
            tx.connection.execute(SCHEMA)

    def key(self, request: LlmRequest) -> str:
        tools = request.tools_digest or (tools_digest(request.tools) if request.tools else None)
        asked = {
            "app": self._app,
            "model": request.model,
            "messages": [m.model_dump(mode="json") for m in request.messages],
            "tools": tools,
            "schema": request.response_schema,
        }
        return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()

    def get(self, request: LlmRequest, now: float) -> LlmResponse | None:
        """The answer kept for this request within its TTL, marked cached and free."""
        if request.cache_seconds is None:
            return None
        m = self._mark
        with self._store.transaction() as tx:
            row = tx.connection.execute(
                f"SELECT response FROM model_cache WHERE key = {m} AND at > {m}",
                (self.key(request), now - request.cache_seconds),
            ).fetchone()
        if row is None:
            return None
        kept = LlmResponse.model_validate_json(row["response"])
        saved = kept.usage.cost_usd or 0.0
        return kept.model_copy(
            update={
                "cached": True,
                "latency_ms": 0.0,
                "usage": Usage(cached_calls=1, saved_usd=saved),
            }
        )

    def put(self, request: LlmRequest, reply: LlmResponse, now: float) -> None:
        if request.cache_seconds is None:
            return
        m, key = self._mark, self.key(request)
        with self._store.transaction(lock="model_cache") as tx:
            db: Any = tx.connection
            db.execute(f"DELETE FROM model_cache WHERE at <= {m}", (now - LONGEST_TTL_SECONDS,))
            db.execute(f"DELETE FROM model_cache WHERE key = {m}", (key,))
            db.execute(
                f"INSERT INTO model_cache (key, response, at) VALUES ({m}, {m}, {m})",
                (key, reply.model_dump_json(), now),
            )
