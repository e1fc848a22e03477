"""Two `relay serve` replicas behind a round-robin balancer behave as one: a goal started
through one is approved through the other, because all state lives in Temporal."""

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from relay.temporal.devserver import DevServer
from tests.round_robin_proxy import RoundRobinProxy
from tests.serve_process import bearer, serve_process, served_shop
from tests.test_serve_api import SHOWCASE


def backend(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


async def test_a_start_on_one_replica_and_an_approval_on_the_other_act_on_one_goal(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        served_shop(temporal_server, tmp_path, "serve-a") as (relay, first),
        serve_process(relay, tmp_path / "serve-b.log") as second,
        RoundRobinProxy([backend(first), backend(second)]).running() as proxy,
        # A new connection per request, so the balancer picks a replica for each.
        httpx.AsyncClient(
            base_url=proxy.url, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
        ) as http,
    ):
        started = await http.post("/goals", json=SHOWCASE, headers=bearer("ada"))
        assert started.status_code == 201
        goal_id, start_replica = started.json()["id"], proxy.served[-1]
        pending = []
        while not pending:
            inbox = (await http.get("/approvals", headers=bearer("fiona"))).json()
            pending = [i["approval"] for i in inbox if i["goal_id"] == goal_id]
            await asyncio.sleep(0.2)
        if proxy.served[-1] != start_replica:  # the next connection goes to the start's replica
            await http.get("/me", headers=bearer("fiona"))
        decided = await http.post(
            f"/approvals/{goal_id}/{pending[0]['approval_id']}",
            json={"decision": "approve", "reason": "ok"},
            headers=bearer("fiona"),
        )
        assert decided.status_code == 200, decided.text
        assert proxy.served[-1] != start_replica
        result = await relay.client.get_workflow_handle(goal_id).result()

    assert result["status"] == "completed"
    assert len(relay.rows("SELECT * FROM refunds")) == 1
