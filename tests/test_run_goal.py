"""An app's own tests without a dev server: `run_goal` runs the helpdesk in-process on Temporal's
time-skipping test server, the model a FunctionModel, approvals answered by `decide`. Only the
public API (`relay`, `relay.testing`) is used, as an app's tests would."""

import json
import time
from pathlib import Path

from examples.helpdesk.app import app as helpdesk
from relay import Budget, PendingApproval
from relay.temporal.devserver import DevServer
from relay.testing import Decision, FunctionModel, LlmRequest, plan, run_goal, tool_call
from tests.cli_runner import relay_cli
from tests.conftest import running_relay

UNLOCK = "My account U-1001 is locked"


def told(request: LlmRequest) -> list[str]:
    """The tool results the agent has seen so far (their text)."""
    return [m.content or "" for m in request.messages if m.role == "tool"]


def unlock(request: LlmRequest) -> object:
    """A model that opens a ticket, asks for the reset, and says what happened."""
    if request.purpose == "plan":
        return plan({"id": "a", "agent": "access", "instruction": "Unlock U-1001."})
    if request.purpose == "agent":
        seen = told(request)
        if not seen:
            return tool_call("open_ticket", user_id="U-1001", summary="Locked out")
        if len(seen) == 1:
            return tool_call("reset_password", user_id="U-1001")
        return "U-1001 was reset." if '"ok":true' in seen[-1] else "U-1001 was not reset."
    return "Answered about U-1001."


async def test_an_approved_reset_runs_and_every_tool_call_is_seen() -> None:
    asked: list[PendingApproval] = []

    def approve(pending: PendingApproval) -> bool:
        asked.append(pending)
        return True

    run = await run_goal(
        helpdesk,
        UNLOCK,
        model=FunctionModel(unlock),
        context={"user_id": "U-1001"},
        decide=approve,
    )
    assert run.result.status == "completed", run.result.answer
    assert [p.tool for p in asked] == ["reset_password"] and run.asked == asked
    assert [(c.tool, c.outcome) for c in run.tool_calls] == [
        ("open_ticket", "ok"),
        ("reset_password", "ok"),
    ]
    assert run.tool_calls[1].result["user_id"] == "U-1001"
    assert run.agents["access"].answer == "U-1001 was reset."
    assert [(a.verdict, a.approver) for a in run.result.approvals] == [("approved", "tester")]


async def test_a_rejected_reset_undoes_the_ticket() -> None:
    run = await run_goal(
        helpdesk,
        UNLOCK,
        model=FunctionModel(unlock),
        decide=lambda pending: Decision(approve=False, approver="fiona", reason="not today"),
    )
    assert run.result.status == "rejected"
    assert run.tool_calls[1].outcome == "rejected"
    assert "rejected by fiona: not today" in run.tool_calls[1].detail
    # The goal did not complete: the ticket it opened was closed (a compensation).
    [undo] = run.result.compensations
    assert (undo.undid, undo.tool, undo.ok) == ("open_ticket", "close_ticket", True)


async def test_an_approval_nobody_decides_times_out_without_waiting() -> None:
    started = time.monotonic()
    run = await run_goal(helpdesk, UNLOCK, model=FunctionModel(unlock))  # 24 h timeout
    assert time.monotonic() - started < 60
    assert run.result.status == "rejected"
    [expired] = run.result.approvals
    assert (expired.verdict, expired.approver) == ("expired", "relay:timeout")
    assert (expired.decided_at - expired.requested_at).total_seconds() >= 24 * 3600


async def test_a_budget_stops_a_model_that_never_stops() -> None:
    def runaway(request: LlmRequest) -> object:
        if request.purpose == "plan":
            return plan({"id": "a", "agent": "access", "instruction": "Look U-1001 up."})
        if request.purpose == "agent":
            return tool_call("lookup_user", user_id=f"U-{1001 + request.step % 2}")
        return "Stopped."

    run = await run_goal(helpdesk, UNLOCK, model=FunctionModel(runaway), budget=Budget(max_steps=4))
    assert run.result.status == "budget_exhausted"
    # The goal's 4 steps: the plan and the summary take theirs, the agent the rest.
    assert 1 <= len(run.tool_calls) < 4 and all(c.outcome == "ok" for c in run.tool_calls)
    assert "model turns is spent" in run.agents["access"].answer


async def test_a_script_file_is_checked_by_relay_run_naming_the_key(tmp_path: Path) -> None:
    for body, said in [
        ({"plann": []}, "plann: Extra inputs are not permitted"),
        ({"plan": "x"}, "plan: Input should be a valid array"),
        ({"agents": {"a": [{"content": "x", "tool_call": []}]}}, "agents.a.0.tool_call: Extra"),
    ]:
        script = tmp_path / "script.json"
        script.write_text(json.dumps(body))
        outcome = await relay_cli("run", "Hi", "--model", f"scripted:{script}")
        assert outcome.code == 1 and len(outcome.err.strip().splitlines()) == 1, outcome.err
        assert f"cannot use script {script}: {said}" in outcome.err, outcome.err


async def test_a_re_ask_with_no_scripted_answer_marks_the_task_unverified(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    script = {
        "plan": [{"content": plan({"id": "a", "agent": "access", "instruction": "Look."})}],
        "agents": {"access": [{"content": "U-9999 is locked."}]},  # no tool said U-9999
        "synthesize": [{"content": "Checked."}],
    }
    async with running_relay(temporal_server, tmp_path, helpdesk) as relay:
        result = await (await relay.start(model=relay.script(script), customer=None)).result()
    [task] = result.tasks
    assert task.status == "unverified" and "[unverified: U-9999" in task.result
