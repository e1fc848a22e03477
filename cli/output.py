"""What the `relay` commands print: pending approvals, a goal's result."""

import json

from temporalio.client import WorkflowHandle

from relay.agents.approvals import ANYONE, PendingApproval
from relay.agents.llm_models import Usage
from relay.agents.models import GoalResult
from relay.client.waiting import wait_for_result


def print_pending(pending: list[PendingApproval], workflow_id: str, hints: bool = True) -> None:
    """Each pending approval; `hints`: how to decide it, when a person is to run a command."""
    for p in pending:
        if p.kind == "question":
            print(f"  question {p.approval_id} from {p.agent}: {p.reason}")
            if p.requested_by:
                print(f"    answers: {p.requested_by}")
            if hints:
                print(
                    f"    answer:  relay answer {workflow_id} {p.approval_id} --as NAME --text TEXT"
                )
            continue
        print(
            f"  waiting for approval {p.approval_id}: {p.agent} wants {p.tool}"
            f"({json.dumps(p.arguments)}) because {p.reason}"
        )
        if ANYONE not in p.approvers or p.requested_by:
            who = "anyone" if ANYONE in p.approvers else ", ".join(p.approvers)
            print(f"    may decide: {who}" + (f", not {p.requested_by}" if p.requested_by else ""))
        if hints:
            print(f"    approve: relay approve {workflow_id} {p.approval_id} --as NAME")
            print(
                f"    reject:  relay reject {workflow_id} {p.approval_id} --as NAME --reason TEXT"
            )


def print_result(result: GoalResult) -> None:
    print(f"status: {result.status}")
    for task in result.tasks:
        print(f"  [{task.status}] {task.id} ({task.agent}): {task.result}")
    for a in result.approvals:
        print(
            f"  approval {a.approval_id}: {a.verdict} by {a.approver}"
            + (f" ({a.reason})" if a.reason else "")
            + (
                f"; edited {a.arguments} to {a.edited_arguments}"
                if a.edited_arguments is not None
                else ""
            )
            + (f"; answered: {a.answer}" if a.answer is not None else "")
        )
    for entry in result.audit:
        if not entry.accepted:
            print(
                f"  refused decision on {entry.approval_id}: {entry.verdict} by "
                f"{entry.approver}: {entry.refusal}"
            )
    cost = "unknown" if result.usage.cost_usd is None else f"${result.usage.cost_usd:.4f}"
    print(
        f"usage: {result.usage.llm_calls} LLM calls, {result.usage.input_tokens} in / "
        f"{result.usage.output_tokens} out tokens, cost {cost}{cache_note(result.usage)}; "
        f"models: {', '.join(result.models)}"
    )
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"\n{result.answer}")
    if result.output is not None:
        print(f"\noutput: {json.dumps(result.output)}")


def cache_note(usage: Usage) -> str:
    """The response cache's part of a run's usage, when it answered any call."""
    if not usage.cached_calls:
        return ""
    return (
        f" · {usage.cached_calls} from the response cache ({usage.cache_share():.0%}, "
        f"saved ${usage.saved_usd:.4f})"
    )


async def follow(handle: WorkflowHandle) -> GoalResult:
    """Wait for the goal, printing each approval it asks for (and how to decide it) once."""

    async def printed(pending: list[PendingApproval]) -> None:
        print_pending(pending, handle.id)

    return await wait_for_result(handle, printed)
