"""The one-line errors relay shows people, whichever way they reach it."""

from pydantic import ValidationError


class UserError(Exception):
    """A failure the user can act on; shown as one line."""


def validation_text(err: ValidationError, subject: str) -> str:
    """A pydantic error as one line naming the field: `budget.max_steps: Input should be ...`."""
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where or subject}: {first['msg']}"


def failure_text(err: BaseException) -> str:
    """The innermost message of a Temporal failure chain: what actually went wrong."""
    while err.__cause__ is not None:
        err = err.__cause__
    # Temporal failures carry the sender's message without the type prefix str() adds.
    return getattr(err, "message", None) or str(err) or type(err).__name__
