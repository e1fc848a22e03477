"""Records the showcase histories replayed by test_replay.py. Rerun after an intended,
patched change to the workflows: python -m tests.record_histories [approve|reject|waited ...]
(all three by default). `approve` and `reject` were recorded on 2026-12-02 and keep that
shape (tools inline, whole conversations, plain payloads); `waited` (2026-12-05) is today's:
tools and conversations by reference, local reads, compressed internal payloads, and the
client's wait on `next_approvals` before it approves."""

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from examples.shop.app import app as shop_app
from relay.agents.approvals import ApprovalDecision
from relay.client.waiting import next_pending
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.worker import relay_worker
from relay.workflows.supervisor import SupervisorWorkflow
from tests.conftest import Relay, relay_settings

HISTORIES = Path(__file__).parent / "histories"
VERDICTS = ("approve", "reject", "waited")


async def record(relay: Relay, verdict: str) -> None:
    handle = await relay.start()
    if verdict == "waited":
        [pending] = await next_pending(handle, set())
    else:
        pending = await relay.next_pending(handle)
    signal = SupervisorWorkflow.reject if verdict == "reject" else SupervisorWorkflow.approve
    await handle.signal(
        signal,
        ApprovalDecision(approval_id=pending.approval_id, approver="alice", reason="recorded"),
    )
    result = await handle.result()
    runs = {"supervisor": handle.id, **{t.agent: t.workflow_id for t in result.tasks}}
    for name, workflow_id in runs.items():
        history = await relay.client.get_workflow_handle(workflow_id).fetch_history()
        body = {"workflowId": workflow_id, **json.loads(history.to_json())}
        (HISTORIES / f"showcase-{verdict}-{name}.json").write_text(json.dumps(body, indent=1))


async def main(verdicts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = DevServer(db_file=Path(tmp) / "t.db", port=free_port(), ui_port=None).start()
        try:
            for verdict in verdicts:
                settings = relay_settings(server, Path(tmp) / verdict)
                client = await connect_client(settings, wait_seconds=30)
                async with relay_worker(client, settings, shop_app) as worker, worker:
                    await record(Relay(client, settings, Path(tmp)), verdict)
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or list(VERDICTS)))
