"""Worker pools per agent: an agent with a task queue of its own runs on the workers that serve
it; two worker processes with disjoint agents complete one goal together, and a goal whose
agent has no worker waits visibly."""

import asyncio
import json
from pathlib import Path

from relay.temporal.devserver import DevServer
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.pool_app import POOL
from tests.test_cli import env_for
from tests.worker_process import relay_for_worker_processes, worker_process

APP = "tests.pool_app:app"


async def test_two_pools_complete_one_goal_and_a_missing_pool_shows(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    env = env_for(relay)
    main = ("--app", APP, "--agents", "orders,catalog")
    async with worker_process(relay.settings, tmp_path / "main.log", *main):
        handle = await relay.start()
        # The returns agent is scheduled on its pool, which nobody polls yet.
        for _ in range(300):
            progress = await handle.query(SupervisorWorkflow.progress)
            if any(t.agent == "returns" and t.status == "running" for t in progress.tasks):
                break
            await asyncio.sleep(0.2)
        status = await relay_cli("status", handle.id, env=env)
        line = f"returns · returns · running · {handle.id}/returns-1"
        assert f"{line} · no worker polls task queue '{POOL}'" in status.out, status.out
        assert relay.rows("SELECT * FROM returns") == []

        pool = ("--app", APP, "--agents", "returns")
        async with worker_process(relay.settings, tmp_path / "pool.log", *pool):
            result = await relay.approve_all(handle)
            child = await relay.client.get_workflow_handle(f"{handle.id}/returns-1").describe()

    assert result.status == "completed"
    assert child.task_queue == POOL
    assert len(relay.rows("SELECT * FROM refunds")) == 1
    assert f"on task queue '{POOL}'" in (tmp_path / "pool.log").read_text()
    final = json.loads((await relay_cli("status", handle.id, "--json", env=env)).out)
    assert all(node["no_worker"] is None for node in final["agents"])


async def test_a_worker_refuses_agents_on_different_queues() -> None:
    outcome = await relay_cli("worker", "--app", APP, "--agents", "orders,returns")
    assert outcome.code == 1
    assert "these agents are on different task queues (orders: default, returns: pool-returns)" in (
        outcome.err
    )
