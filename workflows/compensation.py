"""The saga's way back: undo a goal's completed side effects, newest first, unless the keep
policy (RELAY_KEEP_EFFECTS) says an effect stays. Workflow code: deterministic."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from relay.agents.tool_models import (
        CompensationRecord,
        CompletedEffect,
        ToolObservation,
        ToolRequest,
    )

from relay.workflows.tool_call import call_key

COMPENSATION_RETRY = RetryPolicy(maximum_attempts=10, initial_interval=timedelta(seconds=1))


async def compensate(
    effects: list[CompletedEffect], context: dict[str, str], keep: list[str]
) -> list[CompensationRecord]:
    """Each undo is an idempotent tool call (its own ledger key), retried under a bounded
    policy; a kept effect is listed as kept, so the result always says what stays."""
    records = []
    for place, effect in reversed(list(enumerate(effects))):
        if effect.tool in keep:
            ok, detail = True, "kept by policy (RELAY_KEEP_EFFECTS)"
        else:
            ok, detail = await _undo(effect, context, call_key(f"undo-{place}"))
        records.append(
            CompensationRecord(
                agent=effect.agent,
                undid=effect.tool,
                tool=effect.undo_tool,
                arguments=effect.undo_arguments,
                ok=ok,
                detail=detail,
                kept=effect.tool in keep,
            )
        )
    return records


async def _undo(effect: CompletedEffect, context: dict[str, str], key: str) -> tuple[bool, str]:
    try:
        observation = await workflow.execute_activity(
            "tool",
            ToolRequest(
                agent=effect.agent,
                tool=effect.undo_tool,
                arguments=effect.undo_arguments,
                context=context,
                ledger_key=key,
            ),
            result_type=ToolObservation,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=COMPENSATION_RETRY,
            summary=f"undo · {effect.undo_tool} · {call_text(effect.undo_arguments)}"[:200],
        )
    except ActivityError as err:
        return False, str(err.cause or err)
    return observation.ok, observation.error or ""


def compensation_note(records: list[CompensationRecord]) -> str:
    """What the answer says about undone and kept effects."""
    undone = [r for r in records if not r.kept]
    kept = [r for r in records if r.kept]
    parts = []
    if undone:
        parts.append(
            "Undone because the goal did not complete: "
            + "; ".join(
                f"{r.tool}({call_text(r.arguments)}) for {r.undid}"
                + ("" if r.ok else f" FAILED: {r.detail}")
                for r in undone
            )
        )
    if kept:
        parts.append(
            "Kept by policy although the goal did not complete: "
            + "; ".join(
                f"{r.undid} (undo would be {r.tool}({call_text(r.arguments)}))" for r in kept
            )
        )
    return "\n\n".join(parts)


def call_text(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in arguments.items())
