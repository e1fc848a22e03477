"""Provider failures mapped, in one place, to retryable or non-retryable Temporal errors.

SDK retries are off (max_retries=0): the activity retry policy owns retries, so this mapping
decides what is worth retrying and how soon.
"""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import anthropic
import openai
from temporalio.exceptions import ApplicationError

from relay.activities.providers.error_types import (
    AUTH,
    BAD_REQUEST,
    CIRCUIT_OPEN,
    CONTEXT_LENGTH,
    EMPTY_ANSWER,
    MALFORMED,
    MISSING_CREDENTIALS,
    NOT_FOUND,
    RATE_LIMITED,
    REFUSAL,
    TIMEOUT,
    UNAVAILABLE,
)

__all__ = [
    "AUTH",
    "BAD_REQUEST",
    "CIRCUIT_OPEN",
    "CONTEXT_LENGTH",
    "EMPTY_ANSWER",
    "MALFORMED",
    "MISSING_CREDENTIALS",
    "NOT_FOUND",
    "RATE_LIMITED",
    "REFUSAL",
    "TIMEOUT",
    "UNAVAILABLE",
]

_NON_RETRYABLE_STATUS = {400: BAD_REQUEST, 401: AUTH, 403: AUTH, 404: NOT_FOUND, 422: BAD_REQUEST}
_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "context length",
    "prompt is too long",
    "maximum context",
    "too many tokens",
)


def retry_after(headers: Any) -> timedelta | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return timedelta(seconds=max(0.0, float(value)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(timedelta(0), when - datetime.now(UTC))


def _status_error(provider: str, status: int, message: str, headers: Any) -> ApplicationError:
    text = f"{provider} answered HTTP {status}: {message}"[:500]
    if status == 429:
        return ApplicationError(text, type=RATE_LIMITED, next_retry_delay=retry_after(headers))
    if status == 400 and any(m in message.lower() for m in _CONTEXT_MARKERS):
        return ApplicationError(text, type=CONTEXT_LENGTH, non_retryable=True)
    if status in _NON_RETRYABLE_STATUS:
        return ApplicationError(text, type=_NON_RETRYABLE_STATUS[status], non_retryable=True)
    # 408, 409, 5xx, 529 overloaded, and anything unexpected: worth another attempt.
    return ApplicationError(text, type=UNAVAILABLE, next_retry_delay=retry_after(headers))


def map_provider_error(provider: str, err: Exception) -> ApplicationError:
    if isinstance(err, openai.APITimeoutError | anthropic.APITimeoutError):
        return ApplicationError(f"{provider} timed out", type=TIMEOUT)
    if isinstance(err, openai.APIConnectionError | anthropic.APIConnectionError):
        return ApplicationError(f"{provider} unreachable: {err}", type=UNAVAILABLE)
    if isinstance(err, openai.APIStatusError | anthropic.APIStatusError):
        return _status_error(provider, err.status_code, err.message, err.response.headers)
    if isinstance(
        err, openai.APIResponseValidationError | anthropic.APIResponseValidationError | ValueError
    ):
        return ApplicationError(
            f"{provider} sent a malformed response: {err}"[:500], type=MALFORMED
        )
    return ApplicationError(
        f"{provider} call failed: {type(err).__name__}: {err}"[:500], type=UNAVAILABLE
    )


def empty_answer(provider: str, detail: str) -> ApplicationError:
    return ApplicationError(f"{provider} returned no answer ({detail})", type=EMPTY_ANSWER)


def refusal(provider: str, text: str) -> ApplicationError:
    return ApplicationError(f"{provider} refused: {text}"[:500], type=REFUSAL, non_retryable=True)
