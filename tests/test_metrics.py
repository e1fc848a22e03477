"""Metrics after real runs: Temporal's SDK metrics and relay's approval metrics on the
Prometheus endpoint (RELAY_METRICS_PORT), and the OpenTelemetry LLM and tool metrics."""

import urllib.request
from pathlib import Path
from typing import Any

from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from relay.agents.approvals import ApprovalDecision
from relay.temporal.devserver import free_port
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import running_relay
from tests.test_agent_loop import call


async def test_prometheus_endpoint_serves_sdk_and_approval_metrics(
    temporal_server, tmp_path: Path
) -> None:
    port = free_port()
    async with running_relay(temporal_server, tmp_path, metrics_port=port) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
        await handle.result()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            body = response.read().decode()

    assert "temporal_workflow_completed" in body  # the SDK's own
    requested = [
        line
        for line in body.splitlines()
        if line.startswith("relay_approvals_requested{") and 'tool="issue_refund"' in line
    ]
    assert requested and float(requested[0].rsplit(" ", 1)[1]) >= 1
    assert any(
        line.startswith("relay_approval_wait_count{") and 'verdict="approved"' in line
        for line in body.splitlines()
    )


def points(reader: InMemoryMetricReader, name: str) -> list[Any]:
    data = reader.get_metrics_data()
    assert data is not None
    return [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


async def test_llm_and_tool_metrics_by_provider_model_and_agent(
    temporal_server, tmp_path: Path
) -> None:
    # The global meter provider can be set once per process; relay's meter is a proxy.
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    async with running_relay(temporal_server, tmp_path) as relay:
        script = relay.orders_script(
            [call("get_last_order", customer_id="C-1001"), {"content": "It is O-5002."}]
        )
        await (await relay.start(model=script)).result()

    tokens = [
        p
        for p in points(reader, "gen_ai.client.token.usage")
        if p.attributes["relay.agent"] == "orders"
    ]
    assert {p.attributes["gen_ai.token.type"] for p in tokens} == {"input", "output"}
    assert all(p.attributes["gen_ai.provider.name"] == "scripted" for p in tokens)
    assert sum(p.sum for p in tokens) > 0
    durations = points(reader, "relay.tool.duration")
    assert [(p.attributes["gen_ai.tool.name"], p.count) for p in durations] == [
        ("get_last_order", 1)
    ]
