"""The README's Python snippets, run verbatim as scripts against a real server and worker."""

import asyncio
import os
import re
import sys
from pathlib import Path

from examples.shop.app import app as shop_app
from relay import Agent, ApprovalDecision, GoalRequest, SupervisorWorkflow
from relay.client.goals import start_goal
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer
from relay.worker import relay_worker
from tests.cli_runner import run_command
from tests.conftest import Relay, relay_settings
from tests.test_agent_loop import call

README = Path(__file__).parent.parent / "README.md"


def snippet(name: str) -> str:
    match = re.search(
        rf"<!-- snippet: {re.escape(name)} -->\n```python\n(.*?)```", README.read_text(), re.S
    )
    assert match, f"README has no snippet {name}"
    return match.group(1)


async def test_readme_snippets_start_and_approve_a_goal(temporal_server, tmp_path: Path) -> None:
    # The snippets use the shop's default task queue, which the worker derives from its name.
    settings = relay_settings(temporal_server, tmp_path).model_copy(update={"task_queue": None})
    client = await connect_client(settings)
    scripts = {}
    for name in ("start_goal.py", "approve_goal.py"):
        scripts[name] = tmp_path / name
        scripts[name].write_text(snippet(name))
    env = {"TEMPORAL_ADDRESS": temporal_server.address}
    async with relay_worker(client, settings, shop_app, max_cached_workflows=0) as worker, worker:
        started = await run_command(sys.executable, str(scripts["start_goal.py"]), env=env)
        assert started.code == 0, started.err
        workflow_id = started.out.strip()
        approved = await run_command(
            sys.executable, str(scripts["approve_goal.py"]), workflow_id, env=env
        )
    assert approved.code == 0, approved.err
    status, answer = approved.out.split("\n", 1)
    assert status == "completed"
    assert "R-7001" in answer and "Green Oxford Shirt" in answer


async def test_readme_plugin_worker_serves_the_helpdesk(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """A user's own Client.connect(plugins=[RelayPlugin(app)]) and Worker(...), as the README
    shows, in a process of its own, serve a helpdesk goal to the end."""
    settings = relay_settings(temporal_server, tmp_path)
    script = tmp_path / "helpdesk_worker.py"
    script.write_text(snippet("helpdesk_worker.py"))
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": temporal_server.address,
        "RELAY_TASK_QUEUE": settings.task_queue,
        "RELAY_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(README.parent),  # examples/ lives in the checkout
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, str(script), env=env, stdin=asyncio.subprocess.DEVNULL
    )
    try:
        client = await connect_client(settings)
        relay = Relay(client=client, settings=settings, tmp_path=tmp_path)
        model = relay.script(
            {
                "plan": [
                    {
                        "content": '{"tasks": [{"id": "a", "agent": "access", '
                        '"instruction": "Unlock U-1001."}]}'
                    }
                ],
                "agents": {
                    "access": [call("reset_password", user_id="U-1001"), {"content": "Reset."}]
                },
                "synthesize": [{"content": "U-1001 is unlocked."}],
            }
        )
        handle = await start_goal(
            client,
            GoalRequest(goal="My account U-1001 is locked", model=model),
            "readme-helpdesk-1",
            settings.task_queue,
        )
        pending = await relay.next_pending(handle)
        assert pending.tool == "reset_password"
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="sam"),
        )
        result = await handle.result()
    finally:
        worker.kill()
        await worker.wait()
    assert result.status == "completed" and result.answer == "U-1001 is unlocked."


def test_the_readme_app_defines_a_working_app() -> None:
    """ "Your own app"'s code, run as written (with stand-ins for the other agent and the
    directory it names "in short"): the app holds together, its tools take typed arguments
    as the README says."""
    section = README.read_text().split("## Your own app", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    from examples.helpdesk.directory import open_directory

    diagnostics = Agent("diagnostics", description="Checks services.", instructions="Check.")
    scope: dict = {"diagnostics": diagnostics, "open_directory": open_directory}
    exec(compile(code.group(1), "README.md", "exec"), scope)
    app = scope["app"]
    assert sorted(app.agents) == ["access", "diagnostics"]
    reset = app.tools.get("reset_password").info()
    assert reset.parameters["properties"]["user_id"]["pattern"] == r"^U-\d+$"
    assert reset.always_approve == "reset_password is irreversible: a human decides every call"


async def test_the_readme_app_test_passes() -> None:
    """ "Testing your app without a server": its test, run as written against the helpdesk."""
    section = README.read_text().split("### Testing your app without a server", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    from examples.helpdesk.app import app

    scope: dict = {"app": app}
    exec(compile(code.group(1), "README.md", "exec"), scope)
    await scope["test_a_reset_waits_for_a_human"]()
