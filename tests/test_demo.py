"""`relay demo` as a newcomer runs it: the showcase decided by `--approve-as`, with no command
hints for a decision nobody has to make, a Web UI link that keeps working (`--keep`), and the
refund decided in the approval inbox (`--inbox`)."""

import asyncio
import signal
import urllib.request
from pathlib import Path

import httpx

from relay.temporal.devserver import free_port, port_open
from tests.cli_runner import RELAY, line_starting, relay_process, run_command

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
    async with relay_process(tmp_path, "demo", env, "--approve-as", "alice", "--keep") as (
        process,
        log,
    ):
        await line_starting(process, log, "the dev server, its Web UI and the worker stay up")
        link = (await line_starting(process, log, "web UI: ")).removeprefix("web UI: ")
        assert link.startswith(f"http://localhost:{ui_port}/namespaces/default/workflows/")
        page = await asyncio.to_thread(urllib.request.urlopen, link, timeout=30)
        assert page.status == 200
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
    assert "stopped the Temporal dev server" in log.read_text()
    assert not port_open(ui_port)


async def test_demo_inbox_waits_for_a_decision_made_in_the_inbox(tmp_path: Path) -> None:
    env, _ = demo_env()
    port = free_port()
    args = ("--inbox", "--inbox-port", str(port))
    async with relay_process(tmp_path, "demo", env, *args) as (process, log):
        prefix = "  decide in the approval inbox: "
        link = (await line_starting(process, log, prefix)).removeprefix(prefix)
        assert link.startswith(f"http://127.0.0.1:{port}/inbox#token=")
        signed_in = {"Authorization": f"Bearer {link.partition('#token=')[2]}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            assert (await http.get("/inbox")).status_code == 200
            [item] = (await http.get("/approvals", headers=signed_in)).json()
            assert item["approval"]["tool"] == "issue_refund"
            decided = await http.post(
                f"/approvals/{item['goal_id']}/{item['approval']['approval_id']}",
                json={"decision": "approve", "reason": "demo"},
                headers=signed_in,
            )
            assert decided.status_code == 200, decided.text
        assert await asyncio.wait_for(process.wait(), 60) == 0, log.read_text()
    assert "status: completed" in log.read_text().splitlines()
