"""Runs a tool call: validates arguments, and makes side effects happen once via a ledger."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agents.models import ToolObservation
from tools.context import ToolContext
from tools.definition import ToolBusinessError, ToolDefinition
from tools.shop_db import connect


class InvalidToolArguments(ValueError):
    pass


def execute_tool(
    tool: ToolDefinition,
    arguments: dict[str, Any],
    *,
    db_path: Path,
    idempotency_key: str,
    customer_id: str | None,
    heartbeat: Callable[..., None],
    on_committed: Callable[[], None] = lambda: None,
) -> ToolObservation:
    """Run one call. A write is recorded in `tool_ledger` in the same transaction as its effect,
    so a retry with the same key returns the recorded result instead of acting again.
    `on_committed` runs right after the commit (the fault-injection tests kill the worker there)."""
    try:
        args = tool.args_model.model_validate(arguments)
    except ValidationError as err:
        raise InvalidToolArguments(f"{tool.name}: {err}") from err
    db = connect(db_path)
    try:
        if tool.needs_ledger:
            db.execute("BEGIN IMMEDIATE")
            recorded = db.execute(
                "SELECT result FROM tool_ledger WHERE key = ?", (idempotency_key,)
            ).fetchone()
            if recorded is not None:
                db.execute("ROLLBACK")
                return ToolObservation.model_validate_json(recorded["result"]).model_copy(
                    update={"replayed": True}
                )
        else:
            db.execute("BEGIN")
        ctx = ToolContext(db=db, customer_id=customer_id, heartbeat=heartbeat)
        try:
            observation = ToolObservation(tool=tool.name, ok=True, data=tool.handler(args, ctx))
        except ToolBusinessError as err:
            db.execute("ROLLBACK")
            return ToolObservation(tool=tool.name, ok=False, error=str(err))
        if tool.needs_ledger:
            db.execute(
                "INSERT INTO tool_ledger (key, tool, result, created_at) VALUES (?, ?, ?, ?)",
                (
                    idempotency_key,
                    tool.name,
                    observation.model_dump_json(),
                    datetime.now(UTC).isoformat(),
                ),
            )
        db.execute("COMMIT")
        on_committed()
        return observation
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
