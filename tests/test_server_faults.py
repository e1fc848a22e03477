"""Faults between relay and its Temporal server: the dev server SIGKILLed and restarted on its
SQLite file (while an approval waits, while a tool runs) and the worker cut off for 30 s."""

import asyncio
import signal
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from relay.agents.approvals import ApprovalDecision, PendingApproval
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay, running_relay
from tests.extra_tools import CALLS, TEST_APP
from tests.reliability import Describe
from tests.tcp_proxy import CuttableProxy
from tests.test_agent_loop import call
from tests.test_faults import events_when_ready


class RestartableServer:
    """A dev server on a fixed port and SQLite file that a test can SIGKILL and start again."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._port = free_port()
        self.current = self._new().start()

    def _new(self) -> DevServer:
        return DevServer(
            db_file=self._tmp_path / "temporal.db",
            port=self._port,
            ui_port=None,
            log_file=self._tmp_path / "server.log",
        )

    def kill(self) -> None:
        assert self.current.process is not None
        self.current.process.send_signal(signal.SIGKILL)
        self.current.process.wait()

    def restart(self) -> None:
        self.current = self._new().start()

    def stop(self) -> None:
        self.current.stop()


@pytest.mark.faults
async def test_server_killed_while_an_approval_waits(reliability: Describe, tmp_path: Path) -> None:
    case = reliability(
        "dev server SIGKILL and restart while waiting for approval",
        "SIGKILL of the Temporal dev server, restarted on the same SQLite file and port",
        "the worker reconnects; the approval is still pending, can be approved, one refund",
    )
    server = RestartableServer(tmp_path)
    try:
        async with running_relay(server.current, tmp_path) as relay:
            handle = await relay.start()
            pending = await relay.next_pending(handle)
            server.kill()
            case.fault_injected()
            server.restart()
            still = await query_until_answered(handle)
            assert [p.approval_id for p in still] == [pending.approval_id]
            await handle.signal(
                SupervisorWorkflow.approve,
                ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
            )
            result = await handle.result()
            case.recovered()
    finally:
        server.stop()

    assert result.status == "completed", result.answer
    assert len(relay.rows("SELECT * FROM refunds")) == 1


async def query_until_answered(
    handle: WorkflowHandle, seconds: float = 60
) -> list[PendingApproval]:
    for _ in range(int(seconds / 0.5)):
        try:
            return await handle.query(SupervisorWorkflow.pending_approvals)
        except RPCError:
            await asyncio.sleep(0.5)
    raise AssertionError("the restarted server never answered the query")


@pytest.mark.faults
async def test_worker_cut_off_from_the_server_for_30_seconds(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    case = reliability(
        "worker ↔ server connection cut for 30 s",
        "a TCP proxy between worker and server drops every connection and refuses new ones",
        "the worker reconnects by itself; the run completes; one refund, one ledger row",
    )
    host, _, port = temporal_server.address.rpartition(":")
    async with (
        CuttableProxy(host, int(port)).running() as proxy,
        running_relay(temporal_server, tmp_path, temporal_address=proxy.address) as cut_off,
    ):
        # The test talks to the server directly; only the worker goes through the proxy.
        direct = await connect_client(
            cut_off.settings.model_copy(update={"temporal_address": temporal_server.address})
        )
        relay = Relay(client=direct, settings=cut_off.settings, tmp_path=tmp_path)
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        proxy.cut()
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
        await asyncio.sleep(30)
        assert relay.rows("SELECT * FROM refunds") == []  # nothing ran while cut off
        proxy.restore()
        case.fault_injected()  # recovery here is counted from the restore, not from the cut
        result = await handle.result()
        case.recovered()

    assert result.status == "completed", result.answer
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    assert len(relay.rows("SELECT * FROM tool_ledger WHERE tool = 'issue_refund'")) == 1


@pytest.mark.faults
async def test_server_killed_while_a_tool_runs(reliability: Describe, tmp_path: Path) -> None:
    case = reliability(
        "dev server SIGKILL and restart mid-activity",
        "SIGKILL of the dev server while a 3 s write tool runs; restart on the same SQLite file",
        "the run completes; the tool's side effect happened once (one ledger row)",
    )
    CALLS.pop("slow_booking", None)
    server = RestartableServer(tmp_path)
    try:
        async with running_relay(server.current, tmp_path, TEST_APP) as relay:
            script = relay.orders_script([call("slow_booking"), {"content": "Booked B-1001."}])
            handle = await relay.start(model=script)
            child = relay.client.get_workflow_handle(f"{handle.id}/orders-1")
            async for event in events_when_ready(child):
                if event.HasField("activity_task_started_event_attributes"):
                    break
            while CALLS.get("slow_booking", 0) == 0:  # the tool is running now
                await asyncio.sleep(0.05)
            server.kill()
            case.fault_injected()
            await asyncio.sleep(1)
            server.restart()
            result = await handle.result()
            case.recovered()
    finally:
        server.stop()

    assert result.status == "completed", result.answer
    assert len(relay.rows("SELECT * FROM tool_ledger WHERE tool = 'slow_booking'")) == 1
