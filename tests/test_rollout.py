"""Safe rollouts with Worker Deployment versioning: a goal keeps the build it started on.

v1 is this checkout. v2 is another build of relay: a copy of the code whose supervisor has a
new workflow step (a timer before synthesis, which v1's histories cannot replay) and marks its
answers, serving the app with new instructions. A goal started on v1 waits for an approval while
v2 is deployed and made current; it finishes on v1 with v1's behaviour, and a new goal runs v2.
"""

import asyncio
import shutil
import subprocess
import uuid
from pathlib import Path

from relay import ApprovalDecision, SupervisorWorkflow
from relay.temporal.devserver import DevServer, temporal_binary
from tests.cli_runner import relay_cli
from tests.conftest import Relay
from tests.deploy_app import NEW, UNLOCK_THEN_VPN
from tests.deploy_app import v1 as helpdesk
from tests.test_agent_loop import call
from tests.test_cli import env_for
from tests.worker_process import relay_for_worker_processes, worker_process

CHECKOUT = Path(__file__).resolve().parent.parent
SYNTHESIS = (
    "        synthesis = await self._synthesize(goal, reports, route, config.output_schema)\n"
)
V2_SYNTHESIS = SYNTHESIS + (
    "        await workflow.sleep(timedelta(milliseconds=10))\n"
    '        synthesis.answer = "[v2] " + synthesis.answer\n'
)
VPN_ONLY = {
    "plan": [
        {"content": '{"tasks": [{"id": "vpn", "agent": "diagnostics", "instruction": "VPN?"}]}'}
    ],
    "agents": {"diagnostics": [call("check_service_status", service="vpn"), {"content": "Up."}]},
    "synthesize": [{"content": "The VPN is up."}],
}


def build_v2(root: Path) -> Path:
    """A copy of relay's code (files git tracks or would track) as package `relay` under
    `root`, with v2's changed supervisor step; put `root` first on PYTHONPATH to run it."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    package = root / "relay"
    for name in files:
        if name.endswith(".py") and not name.startswith(("tests/", "examples/", "benchmarks/")):
            (package / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CHECKOUT / name, package / name)
    supervisor = package / "workflows" / "supervisor.py"
    code = supervisor.read_text()
    assert code.count(SYNTHESIS) == 1, "the supervisor's synthesis step moved; update this test"
    supervisor.write_text(code.replace(SYNTHESIS, V2_SYNTHESIS))
    return root


async def make_current(relay: Relay, deployment: str, build_id: str) -> None:
    """The README's rollout step, with the `temporal` CLI; a version is known to the server a
    moment after its first worker polls, so this retries until then."""
    command = [temporal_binary(), "worker", "deployment", "set-current-version"]
    command += ["--address", relay.settings.temporal_address, "--yes"]
    command += ["--deployment-name", deployment, "--build-id", build_id]
    for _ in range(150):
        done = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await done.communicate()
        if done.returncode == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"set-current-version {build_id} kept failing: {output.decode()}")


async def instructions_seen(relay: Relay, workflow_ids: list[str]) -> list[str]:
    return [
        run.input["messages"][0]["content"]
        for workflow_id in workflow_ids
        for run in await relay.activity_runs(workflow_id, "llm")
    ]


async def test_a_goal_in_flight_finishes_on_its_build_while_new_goals_run_the_new_one(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    relay = await relay_for_worker_processes(temporal_server, tmp_path)
    deployment = f"relay-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"

    def version(build_id: str, app: str) -> tuple[str, ...]:
        return ("--app", app, "--deployment-name", deployment, "--build-id", build_id)

    async with worker_process(relay.settings, log, *version("v1", "tests.deploy_app:v1")):
        await make_current(relay, deployment, "v1")
        first = await relay.start(
            "My account is locked and the VPN drops",
            customer=None,
            model=relay.script(UNLOCK_THEN_VPN),
        )
        pending = await relay.next_pending(first)

        v2_code = build_v2(tmp_path / "v2")
        v2 = version("v2", "tests.deploy_app:v2")
        async with worker_process(relay.settings, log, *v2, PYTHONPATH=str(v2_code)):
            await make_current(relay, deployment, "v2")
            await first.signal(
                SupervisorWorkflow.approve,
                ApprovalDecision(approval_id=pending.approval_id, approver="sam"),
            )
            old = await first.result()
            second = await relay.start(
                "Is the VPN down?", customer=None, model=relay.script(VPN_ONLY)
            )
            new = await second.result()

    # The goal in flight finished on v1: v1's workflow code (no v2 step) and instructions.
    assert old.status == "completed" and old.answer == "Done.", old.answer
    old_seen = await instructions_seen(relay, [t.workflow_id for t in old.tasks])
    assert old_seen and not any(NEW in s for s in old_seen)
    assert any(s.startswith(helpdesk.agents["access"].instructions) for s in old_seen)
    # The new goal ran v2's workflow step and v2's instructions.
    assert new.status == "completed" and new.answer == "[v2] The VPN is up.", new.answer
    new_seen = await instructions_seen(relay, [t.workflow_id for t in new.tasks])
    assert new_seen and all(s.startswith(NEW) for s in new_seen)
    # `relay status` names the build each goal is pinned to.
    for handle, build in ((first, "v1"), (second, "v2")):
        status = await relay_cli("status", handle.id, env=env_for(relay))
        assert "· completed · " in status.out and f"· build {build} of {deployment}" in status.out


async def test_a_deployment_needs_its_build_id() -> None:
    outcome = await relay_cli("worker", "--app", "tests.deploy_app:v1", "--deployment-name", "x")
    assert outcome.code == 1
    assert outcome.err.strip() == (
        "relay: error: --deployment-name and --build-id go together: give both or neither"
    )
    outcome = await relay_cli("status", "any", env={"RELAY_BUILD_ID": "v3"})
    assert outcome.code == 1
    assert "RELAY_DEPLOYMENT_NAME and RELAY_BUILD_ID go together" in outcome.err
