"""Local models through xllamacpp: real generation, schema-constrained output. The embedded
SmolLM2 always; Qwen2.5-Coder-1.5B when `make model-qwen` installed it (skipped otherwise)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.shop.app import SHOWCASE_GOAL
from examples.shop.app import app as shop
from relay.activities.providers.local import LocalProvider, model_path
from relay.activities.providers.local_weights import QWEN_CODER, installed_path
from relay.activities.providers.openai_chat import OpenAIProvider
from relay.agents.llm_models import LlmRequest, Message
from relay.agents.models import Plan
from relay.agents.prompts import plan_schema, planning_prompt, task_prompt
from relay.agents.specs import route_goal
from relay.settings import Settings
from relay.temporal.devserver import DevServer, free_port
from relay.temporal.goal_history import read_agent
from tests.conftest import running_relay

pytestmark = pytest.mark.local_model
MODELS_DIR = Settings.from_env().models_dir


async def test_agent_step_is_a_call_to_one_of_the_agents_tools() -> None:
    spec = shop.agents["orders"]
    request = LlmRequest(
        model="local:smollm2",
        purpose="agent",
        agent="orders",
        step=1,
        messages=[
            Message(role="system", content=spec.instructions),
            Message(
                role="user",
                content=task_prompt(
                    "Find the customer's last order and the blue shirt in it.",
                    {"customer_id": "C-1001"},
                    [],
                ),
            ),
        ],
        tools=[shop.tools.get(name).info() for name in spec.tools],  # type: ignore[union-attr]
    )
    reply = await LocalProvider(MODELS_DIR).complete(request, "smollm2")

    assert reply.model == "local:smollm2" and reply.usage.output_tokens > 0
    [call] = reply.tool_calls
    assert call.name in spec.tools  # the grammar allows nothing else
    assert call.arguments  # measured: get_last_order(customer_id="C-1001")


async def test_plan_answer_always_parses_as_a_plan_of_routed_agents() -> None:
    candidates = route_goal(SHOWCASE_GOAL, shop.routes, list(shop.agents))
    request = LlmRequest(
        model="local:smollm2",
        purpose="plan",
        agent="planner",
        messages=[
            Message(
                role="user",
                content=planning_prompt(
                    SHOWCASE_GOAL,
                    {"customer_id": "C-1001"},
                    [shop.agents[name] for name in candidates],
                ),
            )
        ],
        response_schema=plan_schema(candidates),
    )
    reply = await LocalProvider(MODELS_DIR).complete(request, "smollm2")

    plan = Plan.model_validate_json(reply.content)
    assert plan.tasks and {t.agent for t in plan.tasks} <= set(candidates)


@pytest.fixture(scope="module")
def llama_server_url() -> Iterator[str]:
    """xllamacpp's own OpenAI-compatible HTTP server, serving the embedded model on 127.0.0.1."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model_path("smollm2", MODELS_DIR))
    params.n_ctx = 2048
    params.verbosity = -1
    params.hostnames = ["127.0.0.1"]
    params.port = free_port()
    server = xllamacpp.Server(params)
    yield f"{server.listening_address}/v1"
    del server  # held until here: the HTTP listener lives as long as the object


async def test_openai_provider_chats_with_a_real_openai_compatible_server(
    llama_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", llama_server_url)
    monkeypatch.setenv("OPENAI_API_KEY", "unused-by-llama-cpp")
    request = LlmRequest(
        model="openai:smollm2",
        purpose="synthesize",
        agent="supervisor",
        messages=[
            Message(role="system", content="You are a shop assistant."),
            Message(role="user", content="Say hello to the customer."),
        ],
    )
    reply = await OpenAIProvider(timeout_seconds=60).complete(request, "smollm2")

    assert reply.content.strip()
    assert reply.model.startswith("openai:")
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
    assert reply.usage.cost_usd is None  # no price is known for this model


@pytest.mark.skipif(
    installed_path(QWEN_CODER, MODELS_DIR) is None,
    reason=f"local:qwen2.5-coder-1.5b is not installed in {MODELS_DIR} (make model-qwen)",
)
async def test_a_goal_runs_on_qwen_with_the_right_tool(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """One shop goal end to end on the real Qwen file: it calls the orders tool for the
    customer in context and answers with the order id the tool returned."""
    async with running_relay(temporal_server, tmp_path, llm_timeout_seconds=300) as relay:
        handle = await relay.start(goal="What was my last order?", model="local:qwen2.5-coder-1.5b")
        result = await handle.result()
        [task] = result.tasks
        agent = await read_agent(relay.client, task.workflow_id)

    assert result.models == ["local:qwen2.5-coder-1.5b"] and task.agent == "orders"
    first = agent.calls[0]
    assert (first.tool, first.arguments, first.outcome) == (
        "get_last_order",
        {"customer_id": "C-1001"},
        "ok",
    )
    assert "O-5002" in result.answer  # the order get_last_order returned
