"""A per-worker circuit breaker: skip a provider that failed N times in a row for T seconds,
then let one trial call through."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _State:
    failures: int = 0
    opened_at: float | None = None
    trial_in_flight: bool = False


class CircuitBreaker:
    def __init__(
        self, failures: int, open_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold = failures
        self._open_seconds = open_seconds
        self._clock = clock
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        with self._lock:
            state = self._states.setdefault(key, _State())
            if state.opened_at is None:
                return True
            if self._clock() - state.opened_at < self._open_seconds or state.trial_in_flight:
                return False
            state.trial_in_flight = True  # half-open: exactly one trial call
            return True

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._states[key] = _State()

    def failed(self, key: str) -> None:
        with self._lock:
            state = self._states.setdefault(key, _State())
            state.failures += 1
            if state.trial_in_flight or state.failures >= self._threshold:
                state.opened_at = self._clock()
            state.trial_in_flight = False
