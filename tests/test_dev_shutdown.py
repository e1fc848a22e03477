"""`relay dev` stops everything it started: on SIGTERM, SIGHUP and Ctrl-C it stops its dev
server, and if relay itself is killed the server goes with it."""

import asyncio
import os
import signal
from pathlib import Path

import pytest

from relay.temporal.devserver import free_port, port_open
from tests.cli_runner import RELAY, line_starting, relay_process
from tests.reliability import Describe

REPO = Path(__file__).resolve().parent.parent


async def start_dev(tmp_path: Path, name: str) -> tuple[asyncio.subprocess.Process, int, int]:
    port, ui_port = free_port(), free_port()
    log = (tmp_path / f"{name}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        RELAY,
        "dev",
        "--data-dir",
        str(tmp_path / name),
        stdout=log,
        stderr=log,
        stdin=asyncio.subprocess.DEVNULL,
        cwd=REPO,
        env={
            **os.environ,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
            "RELAY_UI_URL": f"http://localhost:{ui_port}",
        },
    )
    # Up when the worker says so (the server listens before the worker starts).
    for _ in range(600):
        if b"worker for app" in (tmp_path / f"{name}.log").read_bytes():
            break
        assert process.returncode is None, (tmp_path / f"{name}.log").read_text()
        await asyncio.sleep(0.2)
    else:
        process.kill()
        raise AssertionError("relay dev did not start within 120 s")
    assert port_open(port) and port_open(ui_port)
    return process, port, ui_port


async def released(*ports: int, seconds: float = 20.0) -> bool:
    for _ in range(int(seconds * 5)):
        if not any(port_open(p) for p in ports):
            return True
        await asyncio.sleep(0.2)
    return False


@pytest.mark.faults
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL])
async def test_relay_dev_leaves_no_server_behind(
    reliability: Describe, tmp_path: Path, signum: signal.Signals
) -> None:
    case = reliability(
        f"relay dev stopped by {signum.name}",
        f"{signum.name} to a running `relay dev` (dev server, Web UI and worker)",
        "the dev server's gRPC and UI ports are free again; the next `relay dev` can start",
    )
    process, port, ui_port = await start_dev(tmp_path, signum.name.lower())
    try:
        process.send_signal(signum)
        case.fault_injected()
        await asyncio.wait_for(process.wait(), 30)
        assert await released(port, ui_port), "the dev server still holds its ports"
        case.recovered()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if signum != signal.SIGKILL:
        text = (tmp_path / f"{signum.name.lower()}.log").read_text()
        assert "stopped the Temporal dev server" in text


async def test_two_dev_servers_side_by_side_one_without_a_worker(tmp_path: Path) -> None:
    """`relay dev --port P --ui-port Q --no-worker`: the server and its Web UI on the ports
    asked, no worker; Ctrl-C stops it."""
    port, ui_port = free_port(), free_port()
    flags = ("--port", str(port), "--ui-port", str(ui_port), "--no-worker")
    async with relay_process(tmp_path, "dev", {}, *flags) as (process, log):
        await line_starting(process, log, "dev server only at")
        assert port_open(port) and port_open(ui_port)
        assert f"dev server only at 127.0.0.1:{port}" in log.read_text()
        assert "worker for app" not in log.read_text()
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 60) == 130
    assert await released(port, ui_port)
    assert "stopped the Temporal dev server" in log.read_text()
