"""A tool call from an agent's loop: the activity with its timeouts and retry policy, and the
record of what would undo it. Workflow code: deterministic."""

import contextlib
import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import Message, ToolCall
    from relay.agents.memory import RECALL, recalled_untrusted
    from relay.agents.models import AgentTask
    from relay.agents.prompts import tool_output
    from relay.agents.rate_limits import RATE_WAITS
    from relay.agents.tool_models import (
        Compensation,
        CompletedEffect,
        ToolInfo,
        ToolObservation,
        ToolOutcome,
        ToolRequest,
    )

TOOL_NON_RETRYABLE = [
    "ToolNotAllowed",
    "UnknownTool",
    "InvalidToolArguments",
    "ToolFailed",
    "McpToolChanged",
    "McpProtocolError",
]
OUTCOME_PATCH = "tool-outcome-from-ledger"  # older histories told the model "failed" at once
TIMEOUT_GRACE_SECONDS = 5.0
WORKER_LIVENESS_SECONDS = 10.0


def call_key(place: str) -> str:
    """The ledger key of one call of this run: never the attempt, never the workflow id
    alone (a reused goal id must not find an earlier run's rows)."""
    info = workflow.info()
    return f"{info.workflow_id}/{info.first_execution_run_id}/{place}"


async def call_tool(
    task: AgentTask,
    tool: ToolInfo,
    call: ToolCall,
    key: str,
    check_only: bool = False,
    tainted_by: str | None = None,
) -> ToolObservation:
    """One governed tool call as an activity: relay's own tools or an MCP server's.
    `check_only` runs the tool's guard alone, before a human is asked. A read runs as a local
    activity (`runs_locally`), with the same timeout and retries."""
    retry = tool.retry
    retry_policy = RetryPolicy(
        maximum_attempts=retry.max_attempts,
        initial_interval=timedelta(seconds=retry.initial_interval_seconds),
        backoff_coefficient=retry.backoff,
        maximum_interval=timedelta(seconds=retry.max_interval_seconds),
        non_retryable_error_types=TOOL_NON_RETRYABLE,
    )
    # The activity cuts a hung tool off at its own timeout with a clear message; the
    # server's timeouts are the backstop for a worker that died meanwhile.
    timeout = timedelta(seconds=tool.timeout_seconds + TIMEOUT_GRACE_SECONDS)
    request = _request(task, tool, call, key, check_only, tainted_by)
    summary = _summary(tool, call, check_only)
    if runs_locally(task, tool, check_only):
        try:
            return await workflow.execute_local_activity(
                "tool",
                request,
                result_type=ToolObservation,
                start_to_close_timeout=timeout,
                retry_policy=retry_policy,
                summary=summary,
            )
        except ActivityError:
            raise
        except FailureError as err:  # a local activity's failure comes unwrapped: wrap it
            raise ActivityError(
                "Local activity error",
                scheduled_event_id=0,
                started_event_id=0,
                identity="",
                activity_type="tool",
                activity_id="",
                retry_state=None,
            ) from err
    return await workflow.execute_activity(
        "mcp_tool" if tool.source == "mcp" else "tool",
        request,
        result_type=ToolObservation,
        start_to_close_timeout=timeout,
        # relay's tool activity heartbeats while it waits, so a killed worker is noticed
        # here; MCP calls are bounded by their timeout alone.
        heartbeat_timeout=(
            timedelta(seconds=WORKER_LIVENESS_SECONDS) if tool.source == "relay" else None
        ),
        retry_policy=retry_policy,
        summary=summary,
    )


def runs_locally(task: AgentTask, tool: ToolInfo, check_only: bool) -> bool:
    """A read of relay's own tools (or a guard's check), in runs whose workers cache workflows
    (RunConfig.local_activities): a local activity, run by the worker that runs the agent within
    its workflow task, saves the round trip through the server. A worker that dies meanwhile
    fails the workflow task, and the next worker reads again. Not for tools that heartbeat
    (long by design), rate limited tools (their waits are durable timers), or MCP servers'."""
    return (
        task.local_activities is True
        and tool.source == "relay"
        and (check_only or tool.risk == "read")
        and tool.heartbeat_seconds is None
        and tool.limits is None
    )


async def call_within_rate(
    task: AgentTask, tool: ToolInfo, call: ToolCall, key: str, tainted_by: str | None
) -> ToolObservation:
    """`call_tool`; a call its tool's rate refuses waits for its slot (a durable timer) when
    that is at most the tool's `rate_wait_seconds` away, RATE_WAITS times at most, then goes
    again under the same ledger key. A longer wait, or a quota, is the refusal the model sees."""
    observation = await call_tool(task, tool, call, key, tainted_by=tainted_by)
    for _ in range(RATE_WAITS):
        data = observation.data if isinstance(observation.data, dict) else {}
        retry_after = data.get("retry_after_s")
        if data.get("rate_limited") != "rate" or retry_after is None:
            break
        if retry_after > tool.rate_wait_seconds:
            break
        await workflow.sleep(
            timedelta(seconds=retry_after), summary=f"{tool.name}: waits for a rate slot"
        )
        observation = await call_tool(task, tool, call, key, tainted_by=tainted_by)
    return observation


def _request(
    task: AgentTask,
    tool: ToolInfo,
    call: ToolCall,
    key: str,
    check_only: bool = False,
    tainted_by: str | None = None,
) -> ToolRequest:
    return ToolRequest(
        agent=task.agent,
        tool=call.name,
        arguments=call.arguments,
        context=task.context,
        requested_by=task.requested_by,
        description_hash=tool.description_hash,
        check_only=check_only,
        ledger_key=key,
        tainted_by=tainted_by,
    )


async def outcome_of_failed(
    task: AgentTask, tool: ToolInfo, call: ToolCall, key: str, err: ActivityError
) -> ToolObservation | None:
    """After every attempt of a write failed (worker crashes, time outs): what the ledger says
    happened, so the model never hears "failed" of an effect that took place. None when the
    failure itself says nothing happened (a read, or a refusal before any effect)."""
    cause = err.cause
    before_any_effect = isinstance(cause, ApplicationError) and cause.type in TOOL_NON_RETRYABLE
    if tool.risk == "read" or before_any_effect or not workflow.patched(OUTCOME_PATCH):
        return None
    outcome = ToolOutcome(state="unknown")
    if tool.source == "relay":
        # A ledger that cannot be read leaves the outcome unknown.
        with contextlib.suppress(ActivityError):
            outcome = await workflow.execute_activity(
                "tool_outcome",
                _request(task, tool, call, key),
                result_type=ToolOutcome,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=5),
                summary=f"outcome · {call.name}"[:200],
            )
    if outcome.state == "done" and outcome.observation is not None:
        return outcome.observation
    if outcome.state == "not_done":
        return ToolObservation(
            tool=call.name, ok=False, error=f"{call.name} failed: {cause or err}; nothing was done"
        )
    return ToolObservation(
        tool=call.name,
        ok=False,
        error=f"{call.name}: outcome unknown: every attempt was lost ({cause or err}) and no "
        "result is on record; it may have happened. Check before calling it again.",
    )


def _summary(tool: ToolInfo, call: ToolCall, check_only: bool) -> str:
    """The call in the Web UI: what it does, and what limits it (a refused call's result says
    which limit refused it)."""
    limited = f" · limited {tool.limits}" if tool.limits else ""
    return f"{'guard · ' if check_only else ''}{call.name} · {_headline(call.arguments)}{limited}"[
        :200
    ]


def _headline(arguments: dict[str, Any]) -> str:
    """A short, human line for the Web UI: the amount when there is one, else the arguments."""
    if "amount" in arguments:
        return (
            f"${arguments['amount']:.2f}"
            if isinstance(arguments["amount"], int | float)
            else str(arguments["amount"])
        )
    return json.dumps(arguments, sort_keys=True)


def completed_effect(agent: str, call: ToolCall, undo: Compensation, data: Any) -> CompletedEffect:
    """What undoes this call: the compensating tool, its arguments read from the result."""
    found = data if isinstance(data, dict) else {}
    return CompletedEffect(
        agent=agent,
        tool=call.name,
        arguments=call.arguments,
        undo_tool=undo.tool,
        undo_arguments={arg: found.get(key) for arg, key in undo.arguments_from.items()},
    )


def observed(
    tool: ToolInfo | None, call: ToolCall, observation: ToolObservation, step: int
) -> tuple[Message, str | None]:
    """A tool result as the model sees it, labelled data in a `tool` message, and why it taints
    the agent's context (None when it does not)."""
    content = observation.model_dump_json(include={"tool", "ok", "data", "error"})
    untrusted = (tool is not None and tool.untrusted_output) or (
        call.name == RECALL and recalled_untrusted(observation.data)
    )
    taint = (
        f"{call.name} (step {step}) returned untrusted content"
        if untrusted and observation.ok
        else None
    )
    source = f"mcp:{tool.server}" if tool is not None and tool.server else "relay"
    message = Message(
        role="tool",
        tool_call_id=call.id,
        name=call.name,
        content=tool_output(call.name, source, not untrusted, content),
    )
    return message, taint
