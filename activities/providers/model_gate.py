"""Where a model call waits for its route's shared limits (RELAY_MODEL_LIMITS) before it goes
to the provider, and where a provider's 429 with Retry-After pauses the route for every
worker. The store is blocking; its calls run in a thread so the worker's loop keeps going."""

import asyncio
import time
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.activities.providers.error_types import RATE_LIMITED
from relay.activities.providers.model_rate import ModelRateLimiter
from relay.activities.telemetry import MODEL_QUEUED
from relay.agents.llm_models import LlmRequest
from relay.agents.model_limits import MAX_QUEUE_SECONDS, ModelLimits, estimated_tokens
from relay.tools.store import Store

HEARTBEAT_EVERY_SECONDS = 2.0


class ModelGate:
    def __init__(self, store: Store | None, limits: dict[str, ModelLimits]) -> None:
        self._limits = limits
        self._limiter = ModelRateLimiter(store) if store is not None and limits else None
        if self._limiter is not None:
            self._limiter.create_schema()

    async def admit(self, request: LlmRequest) -> str | None:
        """Wait for a slot of the request's route; the key it is counted under, or None when
        the route has no limits. Past MAX_QUEUE_SECONDS the attempt ends as rate limited,
        with the wait left as Temporal's next retry delay."""
        limits = self._limits.get(request.model)
        if limits is None or self._limiter is None:
            return None
        info = activity.info()
        call = f"{info.workflow_id}/{info.activity_id}/{info.attempt}"
        tokens = estimated_tokens(request)
        started = time.monotonic()
        while True:
            wait = await asyncio.to_thread(
                self._limiter.take, request.model, limits, call, tokens, time.time()
            )
            queued = time.monotonic() - started
            if wait <= 0:
                MODEL_QUEUED.record(queued, {"route": request.model})
                return call
            if queued + wait > MAX_QUEUE_SECONDS:
                raise ApplicationError(
                    f"{request.model} is at its shared limit; next slot in {wait:.0f} s",
                    type=RATE_LIMITED,
                    next_retry_delay=timedelta(seconds=wait),
                )
            activity.heartbeat()
            await asyncio.sleep(min(wait, HEARTBEAT_EVERY_SECONDS))

    async def used(self, route: str, call: str | None, tokens: int) -> None:
        if call is not None and self._limiter is not None:
            await asyncio.to_thread(self._limiter.used, route, call, tokens)

    async def refused(self, route: str, err: ApplicationError) -> None:
        """A provider's 429: every worker waits as long as it asked."""
        if self._limiter is None or route not in self._limits or err.type != RATE_LIMITED:
            return
        delay = err.next_retry_delay
        if delay is not None:
            until = time.time() + delay.total_seconds()
            await asyncio.to_thread(self._limiter.pause, route, until)
