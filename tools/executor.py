"""Runs a tool call: validates arguments, and makes side effects happen once via a ledger.

Two cases, by where the effect lives:
- the app's own database (App(database=...), SQLite or PostgreSQL): the ledger table is in
  that database and the effect and its ledger row commit in one transaction: exactly once,
  even across crashes (and across hosts, with PostgreSQL);
- anywhere else (an API, a file, another database): the ledger is relay's store. A call whose
  key is recorded returns the recorded result; a worker that dies after the effect but before
  the record runs the call again with the same `ctx.idempotency_key`, which the tool should
  send on to the system it calls (most payment and ticketing APIs take one).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from relay.agents.models import ToolObservation
from relay.tools.context import ToolContext
from relay.tools.definition import ToolBusinessError, ToolDefinition
from relay.tools.store import Store, Transaction


class InvalidToolArguments(ValueError):
    pass


@dataclass(frozen=True)
class CallScope:
    """What relay knows about one call besides its arguments."""

    idempotency_key: str
    context: Mapping[str, str]
    heartbeat: Callable[..., None]
    requested_by: str | None = None
    resources: Any = None

    def tool_context(self, db: Any) -> ToolContext:
        return ToolContext(
            idempotency_key=self.idempotency_key,
            context=self.context,
            heartbeat=self.heartbeat,
            requested_by=self.requested_by,
            resources=self.resources,
            connection=db,
        )


def execute_tool(
    tool: ToolDefinition,
    arguments: dict[str, Any],
    scope: CallScope,
    *,
    store: Store,
    database: Store | None,
    on_committed: Callable[[], None] = lambda: None,
    check_only: bool = False,
    connection: Any = None,
) -> ToolObservation:
    """Run one call: its guard, then its handler. `check_only` runs the guard alone (before a
    human is asked). `on_committed` runs right after the effect is recorded (the
    fault-injection tests kill the worker there). `connection`: a kept connection to the
    app's database to run a read on, instead of a new one."""
    try:
        args = tool.args_model.model_validate(arguments)
    except ValidationError as err:
        raise InvalidToolArguments(f"{tool.name}: {err}") from err
    if check_only:
        return _checked(tool, args, scope, database, connection)
    if database is not None:
        return _in_transaction(tool, args, scope, database, on_committed, connection)
    return _recorded_after(tool, args, scope, store, on_committed)


def _refusal(tool: ToolDefinition, args: Any, ctx: ToolContext) -> ToolObservation | None:
    """The guard's refusal as an observation; None when the call may go ahead."""
    why = tool.guard(args, ctx) if tool.guard is not None else None
    if why is None:
        return None
    return ToolObservation(tool=tool.name, ok=False, error=f"refused: {why}", refused=True)


def _checked(
    tool: ToolDefinition, args: Any, scope: CallScope, database: Store | None, connection: Any
) -> ToolObservation:
    if database is None:
        refused = _refusal(tool, args, scope.tool_context(None))
    else:
        with database.transaction(connection=connection) as tx:
            tx.abort()  # a guard reads; nothing it does may stay
            refused = _refusal(tool, args, scope.tool_context(tx.connection))
    return refused or ToolObservation(tool=tool.name, ok=True, data={"allowed": True})


def _recorded(tx: Transaction, key: str) -> ToolObservation | None:
    result = tx.recorded(key)
    if result is None:
        return None
    return ToolObservation.model_validate_json(result).model_copy(update={"replayed": True})


def _record(tx: Transaction, key: str, observation: ToolObservation) -> None:
    tx.record(key, observation.tool, observation.model_dump_json())


def _in_transaction(
    tool: ToolDefinition,
    args: Any,
    scope: CallScope,
    database: Store,
    on_committed: Callable[[], None],
    connection: Any,
) -> ToolObservation:
    """A write is recorded in `tool_ledger` in the same transaction as its effect, so a retry
    with the same key returns the recorded result instead of acting again."""
    key = scope.idempotency_key
    lock = key if tool.needs_ledger else None
    with database.transaction(lock=lock, connection=connection) as tx:
        recorded = _recorded(tx, key) if tool.needs_ledger else None
        if recorded is not None:
            tx.abort()
            return recorded
        ctx = scope.tool_context(tx.connection)
        refused = _refusal(tool, args, ctx)
        if refused is not None:
            tx.abort()
            return refused
        try:
            data = tool.handler(args, ctx)
        except ToolBusinessError as err:
            tx.abort()
            return ToolObservation(tool=tool.name, ok=False, error=str(err))
        observation = ToolObservation(tool=tool.name, ok=True, data=data)
        if tool.needs_ledger:
            _record(tx, key, observation)
    on_committed()
    return observation


def _recorded_after(
    tool: ToolDefinition,
    args: Any,
    scope: CallScope,
    store: Store,
    on_committed: Callable[[], None],
) -> ToolObservation:
    """The effect happens outside relay's store: look the key up first, record the result
    right after."""
    if tool.needs_ledger:
        with store.transaction() as tx:
            recorded = _recorded(tx, scope.idempotency_key)
        if recorded is not None:
            return recorded
    ctx = scope.tool_context(None)
    refused = _refusal(tool, args, ctx)
    if refused is not None:
        return refused
    try:
        observation = ToolObservation(tool=tool.name, ok=True, data=tool.handler(args, ctx))
    except ToolBusinessError as err:
        return ToolObservation(tool=tool.name, ok=False, error=str(err))
    if tool.needs_ledger:
        with store.transaction() as tx:
            _record(tx, scope.idempotency_key, observation)
        on_committed()
    return observation
