"""Calling the LLM activity along a model route, moving to the next entry when one fails."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import LlmRequest, LlmResponse
    from relay.agents.tool_digest import TOOLS_UNKNOWN, tools_digest

# How workflows that track usage ask a model: (route, request, activity summary) -> the answer.
Ask = Callable[[str, LlmRequest, str], Awaitable[str]]

LLM_TIMEOUT = timedelta(seconds=120)
# The activity heartbeats every 2 s while the provider works; silence means the worker died.
LLM_HEARTBEAT_TIMEOUT = timedelta(seconds=10)
LLM_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=4,
    # Provider errors carry non_retryable themselves (activities/providers/errors.py); these are
    # relay's own configuration errors.
    non_retryable_error_types=["UnknownProvider", "ScriptInvalid", "ModelNotFound"],
)


def route_entries(route: str) -> list[str]:
    entries = [e.strip() for e in route.split(",") if e.strip()]
    if not entries:
        raise ApplicationError(
            f"model route {route!r} names no model", non_retryable=True, type="InvalidRoute"
        )
    return entries


async def _execute(request: LlmRequest, summary: str) -> LlmResponse:
    return await workflow.execute_activity(
        "llm",
        request,
        result_type=LlmResponse,
        start_to_close_timeout=LLM_TIMEOUT,
        heartbeat_timeout=LLM_HEARTBEAT_TIMEOUT,
        retry_policy=LLM_RETRY,
        summary=summary[:200],
    )


async def _execute_naming_tools(request: LlmRequest, summary: str) -> LlmResponse:
    """The tools go by digest; a worker that does not know them says so, and they go inline."""
    if not request.tools:
        return await _execute(request, summary)
    digest = request.tools_digest or tools_digest(request.tools)  # a caller may know it
    by_digest = request.model_copy(update={"tools": [], "tools_digest": digest})
    try:
        return await _execute(by_digest, summary)
    except ActivityError as err:
        if not (isinstance(err.cause, ApplicationError) and err.cause.type == TOOLS_UNKNOWN):
            raise
        return await _execute(request, summary)


async def ask_model(route: str, request: LlmRequest, summary: str) -> LlmResponse:
    """Try each entry of the route in order; each gets the activity's bounded retries."""
    failures: list[str] = []
    context = {"agent": request.agent, "step": request.step}
    for entry in route_entries(route):
        # debug: the activity logs the answer at info; a line per ask as well doubles the cost
        workflow.logger.debug("%s: asking %s", request.purpose, entry, extra=context)
        try:
            reply = await _execute_naming_tools(
                request.model_copy(update={"model": entry}), f"{summary} · {entry}"
            )
            return reply.model_copy(update={"model_switches": failures})
        except ActivityError as err:
            cause = err.cause
            why = (
                f"{cause.type}: {cause.message}"
                if isinstance(cause, ApplicationError)
                else str(err)
            )
            failures.append(f"{entry} failed ({why})")
            workflow.logger.warning(
                "model %s failed, trying next in route: %s", entry, why, extra=context
            )
    raise ApplicationError(
        "every model in the route failed: " + " | ".join(failures),
        non_retryable=True,
        type="AllModelsFailed",
    )
