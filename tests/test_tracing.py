"""One goal is one trace: supervisor -> child agent -> LLM and tool activities, with GenAI
attributes on the model and tool spans (in-memory exporter, real server and worker)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.conftest import running_relay
from tests.test_agent_loop import call

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    # The global provider can be set once per process; relay's tracers are proxies that
    # follow it, so this works whatever ran before.
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)
    yield EXPORTER


def ancestry(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def run_orders_goal(temporal_server, tmp_path: Path, **settings: object) -> str:
    async with running_relay(temporal_server, tmp_path, **settings) as relay:
        script = relay.orders_script(
            [call("get_last_order", customer_id="C-1001"), {"content": "It is O-5002."}]
        )
        handle = await relay.start(model=script)
        await handle.result()
    return handle.id


async def test_a_goal_is_one_trace_with_genai_spans(
    temporal_server, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    spans.clear()
    workflow_id = await run_orders_goal(temporal_server, tmp_path)
    finished = spans.get_finished_spans()
    start = next(
        s
        for s in finished
        if s.name == "StartWorkflow:SupervisorWorkflow"
        and (s.attributes or {}).get("temporalWorkflowID") == workflow_id
    )
    trace_id = start.context.trace_id
    mine = [s for s in finished if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in mine}

    chats = [s for s in mine if s.name.startswith("chat ")]
    assert len(chats) == 4  # plan, two agent turns, synthesis
    agent_turn = next(s for s in chats if (s.attributes or {})["relay.agent"] == "orders")
    # Temporal's workflow spans are instants, so the chain runs through the Start* spans.
    assert ancestry(agent_turn, by_id) == [
        "RunActivity:llm",
        "StartActivity:llm",
        "StartChildWorkflow:AgentWorkflow",
        "StartWorkflow:SupervisorWorkflow",
    ]
    names = {s.name for s in mine}
    assert {"RunWorkflow:SupervisorWorkflow", "RunWorkflow:AgentWorkflow"} <= names
    attributes = agent_turn.attributes or {}
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "scripted"
    model = str(attributes["gen_ai.response.model"])
    assert model.startswith("scripted:") and attributes["gen_ai.request.model"] in model
    assert attributes["gen_ai.usage.input_tokens"] > 0
    assert attributes["gen_ai.usage.output_tokens"] > 0
    assert "gen_ai.input.messages" not in attributes  # content only with RELAY_TRACE_CONTENT=1

    [tool] = [s for s in mine if s.name == "execute_tool get_last_order"]
    assert (tool.attributes or {})["gen_ai.tool.name"] == "get_last_order"
    assert ancestry(tool, by_id)[:2] == ["RunActivity:tool", "StartActivity:tool"]


async def test_prompt_content_is_traced_only_when_asked(
    temporal_server, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    spans.clear()
    await run_orders_goal(temporal_server, tmp_path, trace_content=True)
    chats = [s for s in spans.get_finished_spans() if s.name.startswith("chat ")]
    assert chats and all("gen_ai.input.messages" in (s.attributes or {}) for s in chats)
    assert any("C-1001" in str((s.attributes or {})["gen_ai.input.messages"]) for s in chats)


TRACING_CHECK = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from relay.temporal.telemetry import tracing_interceptors
if sys.argv[1] == "provider":
    trace.set_tracer_provider(TracerProvider())
print(len(tracing_interceptors()))
"""


@pytest.mark.parametrize(
    ("setup", "endpoint", "installed"),
    [("none", None, 0), ("none", "http://127.0.0.1:9", 1), ("provider", None, 1)],
)
def test_the_tracing_interceptor_is_installed_only_when_spans_go_somewhere(
    setup: str, endpoint: str | None, installed: int
) -> None:
    # A fresh process: the tracer provider is process-wide and can be set only once.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    if endpoint is not None:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    done = subprocess.run(
        [sys.executable, "-c", TRACING_CHECK, setup],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == str(installed)


async def test_a_chain_of_events_is_one_trace(
    temporal_server, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    """An agent's event and the goal reacting to it are spans of the emitting goal's trace."""
    from relay.agents.events import EventOutcome
    from tests.events_app import EVENTFUL, listed, scripted

    spans.clear()
    async with running_relay(
        temporal_server, tmp_path, app=EVENTFUL, model=scripted(tmp_path)
    ) as relay:
        handle = await relay.start(goal="Flag O-5002: two refunds asked.", app="eventful")
        await handle.result()
        ours = f"WorkflowType = 'EventWorkflow' AND TaskQueue = '{relay.settings.task_queue}'"
        [event_run] = await listed(relay, ours, 1)
        outcome = await relay.client.get_workflow_handle(
            event_run.id, result_type=EventOutcome
        ).result()
    finished = spans.get_finished_spans()
    by_workflow = {(s.name, (s.attributes or {}).get("temporalWorkflowID")): s for s in finished}
    root = by_workflow[("StartWorkflow:SupervisorWorkflow", handle.id)]
    reaction = by_workflow[("RunWorkflow:SupervisorWorkflow", outcome.deliveries[0].workflow_id)]
    by_id = {s.context.span_id: s for s in finished if s.context.trace_id == root.context.trace_id}

    assert reaction.context.trace_id == root.context.trace_id
    # Temporal's workflow spans are instants: the chain runs through the Start* spans.
    assert ancestry(reaction, by_id)[:3] == [
        "StartChildWorkflow:SupervisorWorkflow",
        "StartWorkflow:EventWorkflow",
        "RunActivity:emit_event",
    ]
    assert "StartChildWorkflow:AgentWorkflow" in ancestry(reaction, by_id)  # the emitter's
