"""The `relay` CLI against a running worker, and its one-line errors."""

import asyncio
import json
import os
import sys

from relay.agents.approvals import ApprovalDecision
from relay.temporal.devserver import free_port
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import RELAY, relay_cli, run_command
from tests.conftest import Relay


def env_for(relay: Relay) -> dict[str, str]:
    return {
        "TEMPORAL_ADDRESS": relay.settings.temporal_address,
        "RELAY_TASK_QUEUE": relay.settings.task_queue,
    }


async def test_run_wait_prints_the_answer(relay: Relay) -> None:
    outcome = await relay_cli(
        "run",
        "Can you recommend a shirt like P-101 that comes in green?",
        "--customer",
        "C-1001",
        "--wait",
        env=env_for(relay),
    )
    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith("started goal-")
    assert "status: completed" in outcome.out
    assert "Green Oxford Shirt (product P-102, $79.00)" in outcome.out


async def test_run_status_approve_status(relay: Relay) -> None:
    env = env_for(relay)
    started = await relay_cli(
        "run",
        "I want to return the blue shirt from my last order",
        "--customer",
        "C-1001",
        "--id",
        "cli-return-1",
        env=env,
    )
    assert started.code == 0, started.err
    assert "web UI: http://localhost:8233/namespaces/default/workflows/cli-return-1" in started.out

    handle = relay.client.get_workflow_handle_for(SupervisorWorkflow.run, "cli-return-1")
    pending = await relay.next_pending(handle)
    status = await relay_cli("status", "cli-return-1", env=env)
    assert status.code == 0, status.err
    tree = status.out.splitlines()
    assert tree[0].startswith("cli-return-1 · waiting_for_approval · $")
    assert any(line.startswith("├── orders · orders · completed") for line in tree)
    assert any("step 1 · scripted · " in line and "→ get_last_order" in line for line in tree)
    assert any(line.startswith("└── returns · returns · running") for line in tree)
    assert f"└── waiting for approval {pending.approval_id}: issue_refund(" in status.out
    # The header counts every model turn recorded so far, the running agent's included.
    assert tree[0].endswith(" so far")
    mid = json.loads((await relay_cli("status", "cli-return-1", "--json", env=env)).out)
    turns = [t for node in mid["agents"] for t in node["turns"]]
    plan_calls = 1  # the supervisor's own, so far
    assert mid["usage"]["llm_calls"] == plan_calls + len(turns)
    assert mid["usage"]["output_tokens"] > sum(t["usage"]["output_tokens"] for t in turns)

    approved = await relay_cli(
        "approve", "cli-return-1", "--as", "alice", "--reason", "fine", env=env
    )
    assert approved.code == 0, approved.err
    assert approved.out.strip() == f"{pending.approval_id}: approved by alice"
    again = await relay_cli(
        "approve", "cli-return-1", pending.approval_id, "--as", "alice", env=env
    )
    assert again.code == 1
    assert "already decided" in again.err or "is completed; there is nothing left" in again.err

    await handle.result()
    final = json.loads((await relay_cli("status", "cli-return-1", "--json", env=env)).out)
    result = await handle.result()
    assert final["execution_status"] == "completed" and final["status"] == "completed"
    assert final["result"]["approvals"][0]["approver"] == "alice"
    assert final["usage"] == result.usage.model_dump()
    for node, task in zip(final["agents"], result.tasks, strict=True):
        assert (node["task"]["id"], node["task"]["status"]) == (task.id, task.status)
        child = await relay.child_result(task.workflow_id)
        assert [t["step"] for t in node["turns"]] == list(range(1, child.steps + 1))
        assert sum(t["usage"]["input_tokens"] for t in node["turns"]) == child.usage.input_tokens
    assert len(relay.rows("SELECT * FROM refunds")) == 1


async def test_one_line_errors(relay: Relay) -> None:
    env = env_for(relay)
    cases = [
        (("status", "no-such-run"), env, "relay: error: no workflow with id 'no-such-run'"),
        (("approve", "no-such-run", "--as", "alice"), env, "no workflow with id 'no-such-run'"),
        (("run", "   "), env, "relay: error: the goal is empty"),
        (
            ("status", "anything"),
            {"TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"},
            "relay: error: cannot reach Temporal at 127.0.0.1:",
        ),
        (
            ("status", "anything"),
            env | {"RELAY_COMPRESS_PAYLOADS": "maybe"},
            "relay: error: bad setting compress_payloads: Input should be a valid boolean",
        ),
        (
            ("status", "anything"),
            env | {"RELAY_ENCRYPTION_KEY": "c2hvcnQ=", "RELAY_ENCRYPTION_KEY_ID": "k1"},
            "relay: error: bad setting: RELAY_ENCRYPTION_KEY must be 32 bytes",
        ),
        (
            ("run", "x" * 100),
            env | {"RELAY_MAX_GOAL_BYTES": "50"},
            "relay: error: the goal is 100 bytes; the limit is 50",
        ),
        # Refused before anything starts: bad arguments, apps, routes and context.
        (("run",), env, "relay: error: the following arguments are required: goal"),
        (("status",), env, "relay: error: the following arguments are required: workflow_id"),
        (
            ("run", "hi", "--model", "gpt4"),
            env,
            "relay: error: model route entry 'gpt4': unknown provider 'gpt4'",
        ),
        (("run", "hi", "--model", "openai"), env, "'openai' names no model"),
        (
            ("run", "hi", "--app", "no_such_module:app"),
            env,
            "relay: error: --app 'no_such_module:app': cannot import no_such_module",
        ),
        (
            ("worker", "--app", "examples.helpdesk.app:missing"),
            env,
            "examples.helpdesk.app.missing is nothing, not an App",
        ),
        (
            ("run", "hi", "--app", "examples.helpdesk.app:app"),
            env,
            "relay: error: no model is configured for app 'helpdesk': set RELAY_MODEL",
        ),
        (("run", "hi", "--context", "user"), env, "relay: error: --context 'user': expected"),
        (("run", "hi", "--context", "9x=1"), env, "relay: error: context.9x.[key]: String should"),
        (("run", "hi", "--max-steps", "0"), env, "relay: error: max_steps: Input should be"),
    ]
    for args, case_env, expected in cases:
        outcome = await relay_cli(*args, env=case_env)
        assert outcome.code == 1, (args, outcome)
        assert expected in outcome.err, (args, outcome.err)
        assert outcome.err.count("\n") == 1, (args, outcome.err)


async def test_unknown_approval_id_is_an_error(relay: Relay) -> None:
    handle = await relay.start()
    await relay.next_pending(handle)
    outcome = await relay_cli("reject", handle.id, "bogus-id", "--as", "bob", env=env_for(relay))
    assert outcome.code == 1
    assert outcome.err.strip() == (
        f"relay: error: no pending approval 'bogus-id' in {handle.id}; "
        "pending: returns-issue_refund-3"
    )
    await handle.terminate("test done")


async def test_run_takes_a_budget_and_a_requester(relay: Relay) -> None:
    outcome = await relay_cli(
        "run",
        "Can you recommend a shirt like P-101 that comes in green?",
        "--customer",
        "C-1001",
        "--as",
        "sam",
        "--max-steps",
        "2",
        "--wait",
        env=env_for(relay),
    )
    assert outcome.code == 0, outcome.err
    assert "status: budget_exhausted" in outcome.out
    workflow_id = outcome.out.split()[1]
    history = relay.client.get_workflow_handle(workflow_id).fetch_history_events()
    started = (await anext(aiter(history))).workflow_execution_started_event_attributes
    request = json.loads(started.input.payloads[0].data)
    assert (request["requested_by"], request["budget"]["max_steps"]) == ("sam", 2)


async def test_a_bad_setting_is_one_line(relay: Relay) -> None:
    env = env_for(relay) | {"RELAY_APPROVAL_POLICY": '{"rules": [{"tool": "x"}]}'}
    outcome = await relay_cli("status", "whatever", env=env)
    assert outcome.code == 1
    assert outcome.err.strip() == (
        "relay: error: bad setting approval_policy.rules.0.approvers: Field required"
    )


async def test_status_watch_redraws_until_the_run_ends(relay: Relay) -> None:
    handle = await relay.start()
    pending = await relay.next_pending(handle)
    watch = await asyncio.create_subprocess_exec(
        RELAY,
        *("status", handle.id, "--watch", "--interval", "0.2"),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **env_for(relay)},
    )
    assert watch.stdout is not None
    first = await asyncio.wait_for(watch.stdout.readuntil(b"waiting_for_approval"), 60)
    await handle.signal(
        SupervisorWorkflow.approve,
        ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
    )
    rest = await asyncio.wait_for(watch.stdout.read(), 60)
    assert await watch.wait() == 0

    frames = (first + rest).decode().split("\x1b[2J\x1b[H")
    assert len(frames) >= 2  # at least one redraw while waiting, then the final picture
    assert frames[-1].splitlines()[0].startswith(f"{handle.id} · completed")


async def test_help_and_status_load_no_model_runtime_or_provider_sdk() -> None:
    # `relay --help`, an argument error and `relay status` import neither the embedded model's
    # runtime nor the provider SDKs (they took ~1.9 s of a 2.4 s `relay --help`).
    check = (
        "import sys\n"
        "from relay.cli import build_parser\n"
        "for argv in (['--help'], ['status', '--help'], ['run']):\n"
        "    try:\n"
        "        build_parser().parse_args(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "import relay.cli.status\n"
        "print(sorted({'xllamacpp', 'openai', 'anthropic'} & set(sys.modules)))\n"
    )
    outcome = await run_command(sys.executable, "-c", check)
    assert outcome.code == 0, outcome.err
    assert outcome.out.strip().splitlines()[-1] == "[]"


async def test_a_goal_for_another_app_is_refused_by_the_worker_in_one_line(
    temporal_server, tmp_path
) -> None:
    """A helpdesk worker on the queue a shop goal was started on refuses it: the goal fails
    with one line naming both apps, in `relay run --wait` and in `relay status`."""
    from examples.helpdesk.app import app as helpdesk
    from tests.conftest import running_relay

    async with running_relay(temporal_server, tmp_path, app=helpdesk) as desk:
        env = env_for(desk) | {"RELAY_MODEL": "scripted"}
        run = await relay_cli(
            "run", "Return my shirt", "--app", "examples.shop.app:app", "--wait", env=env
        )
        assert run.code == 1
        goal_id = run.out.split()[1]
        refusal = (
            f"goal {goal_id} was started for app 'shop', but this worker serves app 'helpdesk'"
        )
        assert refusal in run.err and len(run.err.strip().splitlines()) == 1, run.err
        status = await relay_cli("status", goal_id, env=env)
        assert refusal in status.out, status.out
        assert desk.store_rows("SELECT * FROM tool_ledger") == []


def test_each_apps_default_task_queue_is_its_own() -> None:
    from relay.settings import Settings

    assert Settings().queue_for("shop") == "relay-shop"
    assert Settings().queue_for("helpdesk") == "relay-helpdesk"
    assert Settings(task_queue="shared").queue_for("shop") == "shared"
