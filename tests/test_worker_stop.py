"""How a worker stops: on the first SIGTERM, through the SDK's own shutdown (a worker that has
served goals used to hang one stop in four), and within RELAY_STOP_SECONDS even when its
cleanup hangs. Real `relay worker` processes against a real dev server."""

import asyncio
import signal
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from relay.temporal.devserver import DevServer
from tests.conftest import Relay
from tests.reliability import Describe
from tests.worker_process import relay_for_worker_processes, worker_process


@pytest.mark.faults
async def test_a_worker_whose_shutdown_hangs_still_stops_on_the_first_sigterm(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    """A worker on a task queue of its own, whose cleanup never returns: the first SIGTERM
    ends it within RELAY_STOP_SECONDS, saying why in one line."""
    case = reliability(
        "a worker whose shutdown hangs",
        "SIGTERM to a worker on its own task queue whose cleanup never returns",
        "the first SIGTERM ends it within RELAY_STOP_SECONDS (2 s here), in one line",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    settings = relay.settings.model_copy(update={"task_queue": "own-queue-" + tmp_path.name[-8:]})
    log = tmp_path / "workers.log"
    async with worker_process(
        settings, log, RELAY_FAULT="worker-shutdown-hangs", RELAY_STOP_SECONDS="2"
    ) as worker:
        await polled(relay.client, settings.task_queue)
        started = asyncio.get_running_loop().time()
        worker.send_signal(signal.SIGTERM)
        case.fault_injected()
        code = await asyncio.wait_for(worker.wait(), 30)
        case.recovered()
        took = asyncio.get_running_loop().time() - started
    assert code == 1 and took < 10, (code, took)
    assert "relay: error: still stopping after 2 s (RELAY_STOP_SECONDS); exiting now" in (
        log.read_text()
    )


async def polled(client: Client, queue: str) -> None:
    """Once a worker polls the queue (asked of the server until one does)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    for _ in range(300):
        if (await client.workflow_service.describe_task_queue(request)).pollers:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no worker polls {queue}")


@pytest.mark.faults
async def test_a_worker_that_served_goals_stops_at_once_on_sigterm(
    reliability: Describe, temporal_server: DevServer, tmp_path: Path
) -> None:
    """SIGTERM to a worker on a queue of its own with a goal waiting for a human (three times:
    the hang this guards against came one stop in four): it shuts down through the SDK and
    exits 130 well within RELAY_STOP_SECONDS, never cut off by the clock."""
    case = reliability(
        "SIGTERM to a worker that served goals",
        "SIGTERM to a worker on its own queue while a goal waits for a human, three times",
        "each time the worker exits 130 within 10 s, by its own shutdown, not the clock",
    )
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    settings = relay.settings.model_copy(update={"task_queue": "served-" + tmp_path.name[-8:]})
    relay = Relay(client=relay.client, settings=settings, tmp_path=tmp_path)
    log = tmp_path / "workers.log"
    waiting = []
    for _ in range(3):
        async with worker_process(settings, log) as worker:
            waiting.append(await relay.start())
            await relay.next_pending(waiting[-1])
            relay.rows("UPDATE returns SET status = 'cancelled'")  # the next goal's item again
            worker.send_signal(signal.SIGTERM)
            case.fault_injected()
            code = await asyncio.wait_for(worker.wait(), 30)
            case.recovered()
        assert code == 130, log.read_text()[-2000:]
        assert case.recovery_seconds is not None and case.recovery_seconds < 10
    assert "still stopping" not in log.read_text()
    # No worker serves these any more: goals waiting on the shared server would hold up every
    # later listing of waiting approvals (the inbox asks each one).
    for handle in waiting:
        await handle.terminate("test done")
