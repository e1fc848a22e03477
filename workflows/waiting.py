"""Waiting on a condition with a durable timeout. Workflow code: deterministic."""

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow


async def waited(condition: Callable[[], bool], timeout: timedelta, summary: str) -> bool:
    """Wait until `condition` holds; False when `timeout` (a timer named `summary`) came first."""
    try:
        await workflow.wait_condition(condition, timeout=timeout, timeout_summary=summary)
    except TimeoutError:
        return False
    return True
