"""OpenAI and Anthropic providers: the real SDKs against a local server speaking their wire
formats, with faults; routes with fallback; the circuit breaker; error mapping; usage and cost."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from relay.activities.providers import errors
from relay.activities.providers.anthropic_messages import AnthropicProvider
from relay.activities.providers.breaker import CircuitBreaker
from relay.activities.providers.openai_chat import OpenAIProvider
from relay.activities.providers.prices import cost_usd
from relay.agents.llm_models import LlmRequest, Message
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.fake_llm_server import FakeLlmServer
from tests.reliability import Describe

OPENAI = "openai:gpt-4o-mini"
ANTHROPIC = "anthropic:claude-sonnet-4-5"


@pytest.fixture
def fake_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    with FakeLlmServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        yield server


@pytest.fixture
async def relay(temporal_server, tmp_path: Path, fake_llm: FakeLlmServer) -> AsyncIterator[Relay]:
    async with running_relay(
        temporal_server, tmp_path, breaker_failures=3, llm_timeout_seconds=1.0
    ) as running:
        yield running


@pytest.mark.parametrize("route", [OPENAI, ANTHROPIC])
async def test_showcase_completes_through_the_sdk(
    relay: Relay, fake_llm: FakeLlmServer, route: str
) -> None:
    result = await relay.approve_all(await relay.start(model=route))

    assert result.status == "completed"
    assert "Green Oxford Shirt" in result.answer and "R-7001" in result.answer
    assert result.models == [route]
    wire = route.split(":")[0]
    assert len(fake_llm.state.requests(wire)) == result.usage.llm_calls == 10
    # One SDK client per worker: its pool keeps connections (at most one per agent running at
    # once), not a new client and connection per call.
    assert len({seen.port for seen in fake_llm.state.requests(wire)}) <= 3
    assert result.usage.input_tokens == fake_llm.state.reported_input
    assert result.usage.output_tokens == fake_llm.state.reported_output
    assert result.usage.cost_usd == pytest.approx(
        cost_usd(route, result.usage.input_tokens, result.usage.output_tokens)
    )
    # multi-turn tool use went over the wire: the refund call's result came back to the model
    last = fake_llm.state.requests(wire)[-2].body  # the returns agent's final turn
    assert "refund_id" in str(last["messages"])


@pytest.mark.faults
async def test_rate_limit_retries_after_the_servers_retry_after(
    reliability: Describe, relay: Relay, fake_llm: FakeLlmServer
) -> None:
    reliability(
        "LLM 429 with Retry-After",
        "the local OpenAI-wire server answers 429 with Retry-After",
        "retried after the given delay; the run completes",
    )
    fake_llm.state.faults["openai"] = ["429"]
    result = await relay.approve_all(await relay.start(model=OPENAI))

    assert result.status == "completed"
    first, retried = fake_llm.state.requests("openai")[:2]
    assert first.fault == "429" and retried.fault is None
    assert retried.at - first.at >= 1.0  # Retry-After: 1
    assert result.usage.llm_calls == 10  # the refused attempt is not counted


@pytest.mark.faults
async def test_overloaded_primary_falls_back_and_the_result_names_both(
    reliability: Describe, relay: Relay, fake_llm: FakeLlmServer
) -> None:
    reliability(
        "LLM 500/overloaded, fallback",
        "the primary model keeps failing",
        "bounded retries, then the next model of the route; both named in the result",
    )
    fake_llm.state.always["anthropic"] = "529"
    result = await relay.approve_all(await relay.start(model=f"{ANTHROPIC},{OPENAI}"))

    assert result.status == "completed"
    assert result.models == [OPENAI]
    # Every model call of the run switched; the breaker opened during the first call's retries,
    # so each switch reports the breaker as the last reason.
    assert len(result.model_switches) == result.usage.llm_calls == 10
    assert all(f"{ANTHROPIC} failed (LlmCircuitOpen" in s for s in result.model_switches)
    # three 529s open the breaker; every later call skips anthropic without a request
    assert [r.fault for r in fake_llm.state.requests("anthropic")] == ["529"] * 3
    assert result.usage.input_tokens == fake_llm.state.reported_input


async def test_auth_failure_is_not_retried_and_fails_clearly(
    relay: Relay, fake_llm: FakeLlmServer
) -> None:
    fake_llm.state.always["openai"] = "401"
    with pytest.raises(WorkflowFailureError) as failure:
        await (await relay.start(model=OPENAI)).result()
    assert "every model in the route failed" in str(failure.value.cause)
    assert "LlmAuthFailed" in str(failure.value.cause)
    assert len(fake_llm.state.requests("openai")) == 1


async def test_auth_failure_falls_back_when_the_route_has_another_model(
    relay: Relay, fake_llm: FakeLlmServer
) -> None:
    fake_llm.state.always["openai"] = "401"
    result = await relay.approve_all(await relay.start(model=f"{OPENAI},{ANTHROPIC}"))
    assert result.status == "completed" and result.models == [ANTHROPIC]


async def test_malformed_plan_is_re_asked_then_succeeds(
    relay: Relay, fake_llm: FakeLlmServer
) -> None:
    fake_llm.state.faults["anthropic"] = ["bad_plan"]
    result = await relay.approve_all(await relay.start(model=ANTHROPIC))
    assert result.status == "completed"
    assert result.usage.llm_calls == 11  # the re-ask is counted


async def test_three_malformed_plans_fail_clearly(relay: Relay, fake_llm: FakeLlmServer) -> None:
    fake_llm.state.faults["openai"] = ["bad_plan"] * 3
    with pytest.raises(WorkflowFailureError) as failure:
        await (await relay.start(model=OPENAI)).result()
    assert "planning failed after 2 re-asks: the answer is not a valid plan" in str(
        failure.value.cause
    )
    assert len(fake_llm.state.requests("openai")) == 3


@pytest.mark.faults
async def test_transient_faults_are_retried_without_double_counting(
    reliability: Describe, temporal_server, tmp_path: Path, fake_llm: FakeLlmServer
) -> None:
    reliability(
        "LLM hang and malformed JSON",
        "a hung response and a malformed body from the fake server",
        "bounded retries; token totals counted once",
    )
    fake_llm.state.faults["openai"] = ["500", "malformed_body", "hang", "tools:bad_tool_args"]
    # a breaker threshold above the number of consecutive faults: they must be retried
    async with running_relay(
        temporal_server, tmp_path, breaker_failures=10, llm_timeout_seconds=1.0
    ) as relay:
        result = await relay.approve_all(await relay.start(model=OPENAI))

    assert result.status == "completed" and result.model_switches == []
    seen = fake_llm.state.requests("openai")
    assert len(seen) == 14  # 10 accepted answers + 4 faulted attempts
    assert result.usage.llm_calls == 10
    # Each accepted answer counted once. Not counted (a known gap): the answer that arrived
    # after the client's timeout, and the one whose tool arguments were not JSON.
    accepted = [r.tokens for r in seen if r.fault is None]
    assert result.usage.input_tokens == sum(t[0] for t in accepted)
    assert result.usage.output_tokens == sum(t[1] for t in accepted)


PLAIN = LlmRequest(
    model="x",
    purpose="synthesize",
    agent="supervisor",
    messages=[Message(role="user", content="Say hello")],
)


@pytest.mark.parametrize(
    ("fault", "error_type", "non_retryable", "delay"),
    [
        ("429", errors.RATE_LIMITED, False, timedelta(seconds=1)),
        ("500", errors.UNAVAILABLE, False, timedelta(seconds=0.05)),
        ("529", errors.UNAVAILABLE, False, timedelta(seconds=0.05)),
        ("status:408", errors.UNAVAILABLE, False, timedelta(seconds=0.05)),
        ("status:409", errors.UNAVAILABLE, False, timedelta(seconds=0.05)),
        ("status:400", errors.BAD_REQUEST, True, None),
        ("status:422", errors.BAD_REQUEST, True, None),
        ("401", errors.AUTH, True, None),
        ("status:403", errors.AUTH, True, None),
        ("status:404", errors.NOT_FOUND, True, None),
        (
            "status:400:This model's maximum context length is 8192 tokens",
            errors.CONTEXT_LENGTH,
            True,
            None,
        ),
        ("hang", errors.TIMEOUT, False, None),
        ("malformed_body", errors.MALFORMED, False, None),
        ("empty", errors.EMPTY_ANSWER, False, None),
        ("refusal", errors.REFUSAL, True, None),
    ],
)
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_error_mapping(
    fake_llm: FakeLlmServer,
    provider: str,
    fault: str,
    error_type: str,
    non_retryable: bool,
    delay: timedelta | None,
) -> None:
    fake_llm.state.hang_seconds = 2.0
    fake_llm.state.faults[provider] = [fault]
    client = OpenAIProvider(1.0) if provider == "openai" else AnthropicProvider(1.0)
    with pytest.raises(ApplicationError) as raised:
        await client.complete(PLAIN, "some-model")
    assert raised.value.type == error_type
    assert raised.value.non_retryable == non_retryable
    assert raised.value.next_retry_delay == delay


async def test_missing_key_is_a_non_retryable_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ApplicationError) as raised:
        await AnthropicProvider(1.0).complete(PLAIN, "claude-sonnet-4-5")
    assert raised.value.type == errors.MISSING_CREDENTIALS and raised.value.non_retryable
    assert "ANTHROPIC_API_KEY" in str(raised.value)


async def test_relay_run_refuses_a_route_without_its_key_before_starting() -> None:
    outcome = await relay_cli(
        "run",
        "return my shirt",
        "--model",
        f"{OPENAI},{ANTHROPIC}",
        env={"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "", "TEMPORAL_ADDRESS": "127.0.0.1:1"},
    )
    assert outcome.code == 1
    assert outcome.err == (
        "relay: error: model route 'openai:gpt-4o-mini,anthropic:"
        "claude-sonnet-4-5' needs OPENAI_API_KEY and ANTHROPIC_API_KEY; set it "
        "here and on the workers\n"
    )


def test_unknown_models_cost_none_not_zero() -> None:
    assert cost_usd("openai:gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert cost_usd("openai:some-new-model", 10, 10) is None
    assert cost_usd("scripted", 10, 10) == 0.0


def test_circuit_breaker_opens_skips_then_lets_one_trial_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=2, open_seconds=10, clock=lambda: now[0])
    breaker.failed("anthropic")
    assert breaker.allow("anthropic")
    breaker.failed("anthropic")
    assert not breaker.allow("anthropic") and breaker.allow("openai")
    now[0] = 10.0
    assert breaker.allow("anthropic")  # the one trial
    assert not breaker.allow("anthropic")  # nobody else while it runs
    breaker.failed("anthropic")  # trial failed: open again
    now[0] = 15.0
    assert not breaker.allow("anthropic")
    now[0] = 20.0
    assert breaker.allow("anthropic")
    breaker.succeeded("anthropic")
    assert breaker.allow("anthropic") and breaker.allow("anthropic")


async def test_an_agent_can_carry_its_own_route(
    temporal_server, tmp_path: Path, fake_llm: FakeLlmServer
) -> None:
    async with running_relay(temporal_server, tmp_path, agent_models={"catalog": OPENAI}) as relay:
        result = await relay.approve_all(await relay.start(model="scripted"))

    assert result.status == "completed"
    assert set(result.models) == {"scripted", OPENAI}
    catalog = next(t for t in result.tasks if t.agent == "catalog")
    assert (await relay.child_result(catalog.workflow_id)).models == [OPENAI]
    assert len(fake_llm.state.requests("openai")) == 2  # the catalog agent's two turns
