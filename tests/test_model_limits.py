"""Model limits per provider route (issue 27, item 3): requests and tokens per window counted
in relay's store, so every worker shares them, and a provider's Retry-After pausing the route
for all of them. The counting on SQLite and a real PostgreSQL; then two worker processes
against a fake OpenAI server that counts the requests it gets."""

import asyncio
from pathlib import Path

import pytest

from relay.activities.providers.model_rate import ModelRateLimiter
from relay.agents.model_limits import ModelLimits
from relay.settings import ConfigError, Settings
from relay.temporal.devserver import DevServer
from relay.tools.store import Store
from relay.tools.stores import open_store
from tests.fake_llm_server import FakeLlmServer
from tests.worker_process import relay_for_worker_processes, worker_process

OPENAI = "openai:gpt-4o-mini"
PER_SECOND = 3


@pytest.fixture
def limiter(relay_store: Store) -> ModelRateLimiter:
    limiter = ModelRateLimiter(relay_store)
    limiter.create_schema()
    limiter.create_schema()  # again, as every worker does at start
    return limiter


def test_requests_per_window_wait_for_the_oldest_to_leave(limiter: ModelRateLimiter) -> None:
    limits = ModelLimits.model_validate({"requests": "2/minute"})
    assert limiter.take(OPENAI, limits, "a", 10, 100.0) == 0
    assert limiter.take(OPENAI, limits, "b", 10, 130.0) == 0
    assert limiter.take(OPENAI, limits, "a", 10, 131.0) == 0  # a retried attempt holds its slot
    assert limiter.take(OPENAI, limits, "c", 10, 140.0) == pytest.approx(20.0)
    assert limiter.take(OPENAI, limits, "c", 10, 160.5) == 0
    assert limiter.take("anthropic:claude-haiku-4-5", limits, "d", 10, 160.5) == 0  # own count
    assert [at for at, _ in limiter.counted(OPENAI)] == [100.0, 130.0, 160.5]


def test_tokens_per_window_count_what_the_answers_used(limiter: ModelRateLimiter) -> None:
    limits = ModelLimits.model_validate({"tokens": "1000/minute"})
    assert limiter.take(OPENAI, limits, "a", 800, 0.0) == 0  # reserved at its estimate
    assert limiter.take(OPENAI, limits, "b", 800, 1.0) == pytest.approx(59.0)
    limiter.used(OPENAI, "a", 150)  # the answer used less
    assert limiter.take(OPENAI, limits, "b", 800, 2.0) == 0
    # A request larger than the whole window goes once the window is empty.
    assert limiter.take(OPENAI, limits, "c", 5000, 3.0) == pytest.approx(59.0)  # b leaves at 62
    assert limiter.take(OPENAI, limits, "c", 5000, 63.0) == 0


def test_a_providers_retry_after_pauses_the_route(limiter: ModelRateLimiter) -> None:
    limits = ModelLimits.model_validate({"requests": "100/minute"})
    limiter.pause(OPENAI, 50.0)
    limiter.pause(OPENAI, 40.0)  # an earlier end never shortens a pause
    assert limiter.take(OPENAI, limits, "a", 10, 45.0) == pytest.approx(5.0)
    assert limiter.take(OPENAI, limits, "a", 10, 50.5) == 0


def test_limits_written_wrong_are_refused() -> None:
    with pytest.raises(ValueError, match="requests '5 a minute' is not like 5/minute"):
        ModelLimits.model_validate({"requests": "5 a minute"})
    with pytest.raises(ValueError, match='name "requests" and/or "tokens"'):
        ModelLimits.model_validate({})
    with pytest.raises(ValueError, match="Extra inputs"):
        ModelLimits.model_validate({"rpm": 5})


def _most_in_any_window(times: list[float], seconds: float) -> int:
    ordered = sorted(times)
    return max(
        (sum(1 for t in ordered[i:] if t < start + seconds) for i, start in enumerate(ordered)),
        default=0,
    )


async def test_two_workers_share_a_routes_limit_and_its_retry_after(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    with FakeLlmServer() as provider:
        provider.state.faults["openai"] = ["429"]  # the first request: Retry-After 1 s
        relay = await relay_for_worker_processes(temporal_server, tmp_path)
        shared = {
            "RELAY_STORE": str(tmp_path / "relay.db"),
            "RELAY_MODEL_LIMITS": f'{{"{OPENAI}": {{"requests": "{PER_SECOND}/second"}}}}',
            "OPENAI_BASE_URL": f"{provider.url}/v1",
            "OPENAI_API_KEY": "test-key",
        }
        log = tmp_path / "workers.log"
        async with (
            worker_process(relay.settings, log, **shared),
            worker_process(relay.settings, log, **shared),
        ):
            handles = [await relay.start(model=OPENAI)]
            while not provider.state.requests("openai"):  # its first request draws the 429
                await asyncio.sleep(0.05)
            handles += [await relay.start(model=OPENAI) for _ in range(2)]
            results = await asyncio.gather(*(relay.approve_all(h) for h in handles))

    seen = provider.state.requests("openai")
    assert [s.fault for s in seen].count("429") == 1  # only the one queued: no storm
    asked = sum(r.usage.llm_calls for r in results)
    assert len(seen) == asked + 1 and asked >= 20, [r.status for r in results]
    # Counted by the limiter (exact) and as the provider got them (a little jitter allowed).
    counted = [at for at, _ in ModelRateLimiter(open_store(tmp_path / "relay.db")).counted(OPENAI)]
    assert _most_in_any_window(counted, 1.0) <= PER_SECOND
    assert _most_in_any_window([s.at for s in seen], 0.5) <= PER_SECOND
    # Nothing reached the provider within the second it asked for after its 429: not the
    # retry, not the goals started after it, on either worker.
    refused_at = next(s.at for s in seen if s.fault == "429")
    assert not [s for s in seen if refused_at < s.at < refused_at + 0.9]


def test_a_bad_relay_model_limits_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a worker or `relay` command prints at start (Settings.from_env)."""
    monkeypatch.setenv("RELAY_MODEL_LIMITS", '{"openai:gpt-4o-mini": {"requests": "5/min"}}')
    with pytest.raises(ConfigError) as err:
        Settings.from_env()
    assert str(err.value) == (
        "bad setting model_limits.openai:gpt-4o-mini.requests: requests '5/min' is not like "
        "5/minute (per second, minute, hour or day)"
    )
    monkeypatch.setenv("RELAY_MODEL_LIMITS", "not json")
    with pytest.raises(ConfigError, match=r"^bad setting: "):
        Settings.from_env()
