"""Temporal's SDK metrics and relay's approval metrics on the Prometheus endpoint
(RELAY_METRICS_PORT), scraped after a real run with an approval."""

import urllib.request
from pathlib import Path

from agents.approvals import ApprovalDecision
from temporal.devserver import free_port
from tests.conftest import running_relay
from workflows.supervisor import SupervisorWorkflow


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
