"""What a client of `relay serve` cannot do: pick a model route the operator does not offer
(or probe the worker's files with one), start a blank or oversized goal, send an oversized or
stalled body, pre-claim a key-derived goal id, hold unbounded event streams or trickle its
headers; and what it sees when Temporal is gone: 503 in one line, `/readyz` failing, and
`relay serve` refusing to start in one line."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from examples.shop.app import app as shop_app
from relay.service import errors, http_protocol
from relay.service.http_app import create_api, http_server
from relay.service.identities import load_identities
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from tests.cli_runner import relay_cli
from tests.serve_process import SECRET, bearer, served_shop, write_identities
from tests.test_serve_api import SHOWCASE


async def test_what_a_client_may_send_is_bounded(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        served_shop(temporal_server, tmp_path, RELAY_SERVE_STREAMS_PER_PERSON="1") as (
            relay,
            url,
        ),
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        ada = bearer("ada")
        secret_file = tmp_path / "secrets.env"
        secret_file.write_text("API_KEY=hunter2")
        routes = [f"scripted:{secret_file}", f"scripted:{tmp_path / 'missing.json'}", "openai:x"]
        answers = [
            await http.post("/goals", json=SHOWCASE | {"model": route}, headers=ada)
            for route in routes
        ]
        # The same refusal whether or not the file exists: nothing about the worker's disk.
        assert [a.status_code for a in answers] == [422, 422, 422]
        for route, answer in zip(routes, answers, strict=True):
            assert answer.json() == {
                "error": f"model: route {route!r} is not offered here; offered: scripted"
            }

        for goal, why in [("   ", "the goal is empty"), ("x" * 9000, "is 9000 bytes")]:
            refused = await http.post("/goals", json=SHOWCASE | {"goal": goal}, headers=ada)
            assert refused.status_code == 422 and why in refused.json()["error"]

        async def chunks() -> AsyncIterator[bytes]:
            # 64 KiB and one byte, no Content-Length: the last chunk crosses the limit, so the
            # server has read all the client sends before it answers (no write into a closed
            # connection, which made this test flaky).
            for _ in range(16):
                yield b" " * 4096
            yield b" "

        chunked = await http.post(
            "/goals", content=chunks(), headers=ada | {"Content-Type": "application/json"}
        )
        assert chunked.status_code == 413
        assert chunked.json() == {"error": "request body over 65536 bytes"}

        relays_id = await http.post("/goals", json=SHOWCASE | {"id": "goal-0123abcd"}, headers=ada)
        assert relays_id.status_code == 422
        assert "ids starting with 'goal-' are relay's own" in relays_id.json()["error"]

        started = await http.post("/goals", json=SHOWCASE, headers=ada)
        assert started.status_code == 201
        goal_id = started.json()["id"]
        # Nothing refused above started a workflow: this goal is the only one.
        queue = relay.settings.task_queue
        listed = [w.id async for w in relay.client.list_workflows(f"TaskQueue = '{queue}'")]
        assert listed == [goal_id]

        async with http.stream("GET", f"/goals/{goal_id}/events", headers=ada) as first:
            assert first.status_code == 200
            second = await http.get(f"/goals/{goal_id}/events", headers=ada)
            assert second.status_code == 429
            assert second.json() == {"error": "ada has 1 event streams open; close one first"}
            other = await http.get(f"/goals/{goal_id}", headers=bearer("bob"))
            assert other.status_code == 200

        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
        page = await http.get("/inbox")
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert "'unsafe-inline'" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        # Its worker stops with this test: a goal left waiting would hold up later inboxes.
        await relay.client.get_workflow_handle(goal_id).terminate("test done")


async def test_a_script_error_names_the_file_never_its_contents(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    from tests.conftest import running_relay

    secret_file = tmp_path / "secrets.env"
    secret_file.write_text('{"plan": "API_KEY=hunter2 and more"}')
    async with running_relay(temporal_server, tmp_path) as relay:
        handle = await relay.start(model=f"scripted:{secret_file}")
        with pytest.raises(Exception) as failed:
            await handle.result()
        text = str(failed.value.cause)  # type: ignore[attr-defined]
        status = await relay_cli(
            "status",
            handle.id,
            env={
                "TEMPORAL_ADDRESS": relay.settings.temporal_address,
                "RELAY_TASK_QUEUE": relay.settings.task_queue,
            },
        )
    for seen in (text, status.out):
        assert "hunter2" not in seen
    assert f"cannot use script {secret_file}" in status.out, status.out


async def test_without_temporal_serve_answers_503_and_will_not_start(tmp_path: Path) -> None:
    identities = write_identities(tmp_path / "identities.json")
    closed = f"127.0.0.1:{free_port()}"
    refused = await relay_cli(
        "serve",
        "--identities",
        str(identities),
        "--port",
        str(free_port()),
        env={"TEMPORAL_ADDRESS": closed, "RELAY_APPROVAL_SECRET": SECRET},
    )
    assert refused.code == 1 and "serving" not in refused.out
    assert refused.err.strip().splitlines() == [
        f"relay: error: cannot reach Temporal at {closed} (namespace default); start one with "
        "`relay dev` or set TEMPORAL_ADDRESS"
    ]

    server = DevServer(
        db_file=tmp_path / "t.db", port=free_port(), ui_port=None, log_file=tmp_path / "t.log"
    )
    server.start()
    settings = Settings(temporal_address=server.address, approval_secret=SECRET, data_dir=tmp_path)
    try:
        client = await connect_client(settings, wait_seconds=30)
        async with (
            _served(settings, client, identities) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            assert (await http.get("/readyz")).status_code == 200
            server.stop()
            gone = await http.get(f"/goals/g-{uuid.uuid4().hex[:6]}", headers=bearer("ada"))
            assert gone.status_code == 503
            assert gone.headers["content-type"] == "application/json"
            assert gone.json()["error"].startswith("Temporal is unreachable: ")
            assert "\n" not in gone.json()["error"]
            not_ready = await http.get("/readyz")
            assert not_ready.status_code == 503
            assert (await http.get("/healthz")).status_code == 200
    finally:
        server.stop()


async def test_trickled_headers_and_stalled_bodies_are_cut_off(
    temporal_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_protocol, "HEADER_READ_SECONDS", 0.5)
    monkeypatch.setattr(errors, "BODY_READ_SECONDS", 0.5)
    settings = Settings(
        temporal_address=temporal_server.address, approval_secret=SECRET, data_dir=tmp_path
    )
    client = await connect_client(settings)
    identities = write_identities(tmp_path / "identities.json")
    async with _served(settings, client, identities) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
        writer.close()

        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /goals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ada-token\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"goal": '
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b'{"error":"the request body stalled for 0.5 s"}' in answer


@contextlib.asynccontextmanager
async def _served(settings: Settings, client: Client, identities: Path) -> AsyncIterator[str]:
    """`relay serve`'s app and server in this process, on a free port."""
    port = free_port()
    server = http_server(
        create_api(settings, shop_app, load_identities(identities), client), "127.0.0.1", port
    )
    serving = asyncio.ensure_future(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
