"""Failures that fit in history. A tool's exception text can be any size (a stack of HTML from
an upstream, a whole response body), and an activity failure over the server's blob limit
fails the activity's completion itself. So a failure message longer than MAX_FAILURE_CHARS is
cut, keeping its type and whether it may be retried; short ones pass unchanged, causes and all.
"""

import contextlib
from collections.abc import Iterator

from temporalio.exceptions import ApplicationError

MAX_FAILURE_CHARS = 4000


def clipped_text(text: str, limit: int = MAX_FAILURE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f" … [{len(text) - limit} more characters cut]"


@contextlib.contextmanager
def failures_that_fit() -> Iterator[None]:
    try:
        yield
    except ApplicationError as err:
        if len(err.message) <= MAX_FAILURE_CHARS:
            raise
        # from None: the cause would carry the long text again
        raise ApplicationError(
            clipped_text(err.message), type=err.type, non_retryable=err.non_retryable
        ) from None
    except Exception as err:
        if len(str(err)) <= MAX_FAILURE_CHARS:
            raise
        # Still retried as the tool's own error type (retry policies match on its name).
        raise ApplicationError(clipped_text(str(err)), type=type(err).__name__) from None
