"""`relay demo` as a newcomer runs it: the showcase decided by `--approve-as`, with no command
hints for a decision nobody has to make, and a Web UI link that keeps working (`--keep`)."""

import asyncio
import os
import signal
import urllib.request
from pathlib import Path

from relay.temporal.devserver import free_port, port_open
from tests.cli_runner import RELAY, run_command

REPO = Path(__file__).resolve().parent.parent


def demo_env() -> tuple[dict[str, str], int]:
    ui_port = free_port()
    return {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "RELAY_UI_URL": f"http://localhost:{ui_port}",
    }, ui_port


async def test_demo_decides_by_itself_and_says_how_to_see_the_run_again(tmp_path: Path) -> None:
    env, _ = demo_env()
    outcome = await run_command(
        RELAY, "demo", "--approve-as", "alice", "--data-dir", str(tmp_path), env=env
    )
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    assert "status: completed" in lines
    assert any(line.startswith("  waiting for approval ") for line in lines)
    assert not any("relay approve" in line or "relay reject" in line for line in lines)
    assert f"`relay dev --data-dir {tmp_path}`" in outcome.out
    assert lines[-1] == "stopped the Temporal dev server"


async def test_demo_keep_leaves_the_web_ui_up_until_ctrl_c(tmp_path: Path) -> None:
    env, ui_port = demo_env()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            RELAY,
            "demo",
            "--approve-as",
            "alice",
            "--keep",
            "--data-dir",
            str(tmp_path / "data"),
            stdout=out,
            stderr=out,
            stdin=asyncio.subprocess.DEVNULL,
            cwd=REPO,
            env={**os.environ, **env},
        )
    try:
        for _ in range(600):
            if b"stay up; Ctrl-C stops them" in log.read_bytes():
                break
            assert process.returncode is None, log.read_text()
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"the demo did not finish within 120 s: {log.read_text()}")
        link = next(
            line.removeprefix("web UI: ")
            for line in log.read_text().splitlines()
            if line.startswith("web UI: ")
        )
        assert link.startswith(f"http://localhost:{ui_port}/namespaces/default/workflows/")
        page = await asyncio.to_thread(urllib.request.urlopen, link, timeout=30)
        assert page.status == 200
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "stopped the Temporal dev server" in log.read_text()
    assert not port_open(ui_port)
