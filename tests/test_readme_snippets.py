"""The README's Python snippets, run verbatim as scripts against a real server and worker."""

import re
import sys
from pathlib import Path

from relay.temporal.connect import connect_client
from relay.worker import relay_worker

from tests.cli_runner import run_command
from tests.conftest import relay_settings

README = Path(__file__).parent.parent / "README.md"


def snippet(name: str) -> str:
    match = re.search(
        rf"<!-- snippet: {re.escape(name)} -->\n```python\n(.*?)```", README.read_text(), re.S
    )
    assert match, f"README has no snippet {name}"
    return match.group(1)


async def test_readme_snippets_start_and_approve_a_goal(temporal_server, tmp_path: Path) -> None:
    # The snippets use task queue "relay", so this test runs the worker on it.
    settings = relay_settings(temporal_server, tmp_path).model_copy(update={"task_queue": "relay"})
    client = await connect_client(settings)
    scripts = {}
    for name in ("start_goal.py", "approve_goal.py"):
        scripts[name] = tmp_path / name
        scripts[name].write_text(snippet(name))
    env = {"TEMPORAL_ADDRESS": temporal_server.address}
    async with relay_worker(client, settings, max_cached_workflows=0) as worker, worker:
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
