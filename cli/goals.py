"""The `relay` commands about one goal: start it (`run`), look at it (`status`), decide its
approvals (`approve`, `reject`)."""

import argparse
import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from relay.activities.providers.credentials import missing_credentials
from relay.activities.providers.routes import route_problem
from relay.agents.approvals import DecisionRequest, PendingApproval, sign_decision, with_edits
from relay.agents.guardrails import goal_problem
from relay.agents.models import Budget, GoalRequest
from relay.cli.options import app_of, context_of
from relay.cli.output import follow, print_result
from relay.cli.threads import run_in_thread
from relay.client.decisions import deliver, open_approvals
from relay.client.errors import UserError, failure_text, validation_text
from relay.client.goals import start_goal
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.workflows.supervisor import SupervisorWorkflow


async def existing_goal(client: Client, workflow_id: str) -> WorkflowHandle:
    """The goal's handle, or a one-line error when the server has no such workflow."""
    handle = client.get_workflow_handle_for(SupervisorWorkflow.run, workflow_id)
    try:
        await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise UserError(f"no workflow with id {workflow_id!r}") from err
        raise
    return handle


async def _require_running(handle: WorkflowHandle) -> WorkflowExecutionDescription:
    info = await handle.describe()
    if info.status != WorkflowExecutionStatus.RUNNING:
        state = info.status.name.lower() if info.status else "not running"
        raise UserError(f"goal {handle.id} is {state}; there is nothing left to decide")
    return info


async def cmd_run(args: argparse.Namespace, settings: Settings) -> None:
    if args.new_run and not args.id:
        raise UserError("--new-run starts a new run of a goal id: give it with --id")
    if args.thread and args.id:
        raise UserError("a thread names its goals (<thread>/goal-N): drop --id or --thread")
    problem = goal_problem(args.goal, settings.max_goal_bytes)
    if problem is not None:
        raise UserError(problem)
    app = app_of(args)
    request = _goal_request(args).model_copy(update={"app": app.name, "app_digest": app.digest})
    route = args.model or settings.model or app.model
    if not route:
        raise UserError(
            f"no model is configured for app {app.name!r}: set RELAY_MODEL or pass --model"
        )
    problem = route_problem(route)
    if problem is not None:
        raise UserError(problem)
    missing = missing_credentials(route)
    if missing:
        raise UserError(
            f"model route {route!r} needs {' and '.join(missing)}; set it here and on the workers"
        )
    client = await connect_client(settings)
    if args.thread:
        await run_in_thread(client, settings, args, request)
        return
    workflow_id = args.id or f"goal-{uuid.uuid4().hex[:10]}"
    try:
        handle = await start_goal(
            client, request, workflow_id, settings.queue_for(app.name), new_run=args.new_run
        )
    except WorkflowAlreadyStartedError:
        raise UserError(
            f"goal id {workflow_id!r} is taken: it has a run"
            + ("" if args.new_run else " (pass --new-run to start a new run of a closed goal)")
        ) from None
    print(f"started {workflow_id}\n  web UI: {settings.run_url(workflow_id)}")
    if args.wait:
        print_result(await follow(handle))


def _goal_request(args: argparse.Namespace) -> GoalRequest:
    """The goal as the workflow will get it; a field out of bounds is one line naming it."""
    try:
        budget = Budget(
            max_steps=args.max_steps,
            max_tokens=args.max_tokens,
            max_cost_usd=args.max_cost,
            max_seconds=args.max_seconds,
            escalate=args.escalate,
        )
        return GoalRequest(
            goal=args.goal,
            context=context_of(args),
            model=args.model,
            budget=budget if budget.model_dump(exclude_none=True) else None,
            requested_by=args.requester,
        )
    except ValidationError as err:
        raise UserError(validation_text(err, "the goal")) from None


async def cmd_status(args: argparse.Namespace, settings: Settings) -> None:
    from relay.cli.status import render
    from relay.client.snapshot import snapshot

    client = await connect_client(settings)
    try:
        handle = await existing_goal(client, args.workflow_id)
    except UserError:  # not a goal: perhaps a chain of events
        from relay.cli.chains import chain_text

        print(await chain_text(client, args.workflow_id))
        return
    shot = await snapshot(client, handle)
    if args.json:
        print(shot.model_dump_json(indent=2))
        return
    # --watch redraws in place: clear the screen, home the cursor, draw; the last picture too.
    redraw = "\x1b[2J\x1b[H" if args.watch else ""
    while args.watch and shot.running:
        print(redraw + render(shot), flush=True)
        await asyncio.sleep(args.interval)
        shot = await snapshot(client, handle)
    print(redraw + render(shot))
    print(f"\nweb UI: {settings.run_url(handle.id)}")
    for p in shot.pending_approvals:
        if p.kind == "question":
            print(f"answer: relay answer {handle.id} {p.approval_id} --as NAME --text TEXT")
        else:
            print(f"approve: relay approve {handle.id} {p.approval_id} --as NAME")


async def cmd_decide(args: argparse.Namespace, settings: Settings) -> None:
    if not args.approver.strip():
        raise UserError("--as needs a name")
    client = await connect_client(settings)
    handle = await existing_goal(client, args.workflow_id)
    queue = (await _require_running(handle)).task_queue
    # Without a worker a query or an update would wait for one: the approvals come from
    # history and the decision goes as a signal (temporal/decisions.py).
    found = await open_approvals(client, handle, queue)
    pending = found.approvals
    ids = ", ".join(p.approval_id for p in pending) or "none"
    if args.approval_id is None and len(pending) != 1:
        raise UserError(f"name the approval: {len(pending)} pending ({ids})")
    wanted = args.approval_id or pending[0].approval_id
    target = next((p for p in pending if p.approval_id == wanted), None)
    if target is None:
        raise UserError(f"no pending approval {wanted!r} in {handle.id}; pending: {ids}")
    if target.kind == "question" and args.command == "approve":
        raise UserError(
            f"{wanted} is a question from {target.agent}: relay answer {handle.id} {wanted} "
            "--as NAME --text TEXT (or relay reject to decline it)"
        )
    if target.kind != "question" and args.command == "answer":
        raise UserError(f"{wanted} is an approval, not a question: relay approve or relay reject")
    try:
        request = DecisionRequest(
            approval_id=wanted,
            approver=args.approver,
            reason=args.reason,
            approve=args.command != "reject",
            edited_arguments=edited_arguments(target, args.edit),
            answer=args.text,
        )
    except ValidationError as err:
        raise UserError(validation_text(err, "the decision")) from None
    if settings.approval_secret is not None:
        expires_at = datetime.now(UTC) + timedelta(seconds=args.valid_for)
        secret = settings.approval_secret.get_secret_value()
        request = sign_decision(request, target, secret, expires_at)
    try:
        record = await deliver(handle, request, found.served)
    except WorkflowUpdateFailedError as err:
        raise UserError(f"{args.command} refused: {failure_text(err)}") from err
    except RPCError:
        await _require_running(handle)  # the run may have ended since the check above
        raise
    if record is None:
        print(
            f"{wanted}: {args.command} sent as a signal; no worker polls task queue {queue!r}, "
            "so it takes effect when one returns (relay status shows the outcome then)"
        )
        return
    if record.answer is not None:
        print(f"{record.approval_id}: answered by {record.approver}")
        return
    edits = "" if record.edited_arguments is None else f" with {record.edited_arguments}"
    print(f"{record.approval_id}: {record.verdict} by {record.approver}{edits}")


def edited_arguments(pending: PendingApproval, edit: str | None) -> dict[str, Any] | None:
    """The call's arguments with `--edit`'s fields changed; None without --edit."""
    if edit is None:
        return None
    try:
        changes = json.loads(edit)
    except json.JSONDecodeError as err:
        raise UserError(f"--edit is not JSON: {err.msg} at character {err.pos}") from None
    if not isinstance(changes, dict) or not changes:
        raise UserError("--edit is a JSON object of the fields to change, e.g. '{\"amount\": 40}'")
    return with_edits(pending, changes)
