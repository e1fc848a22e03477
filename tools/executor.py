"""Runs a tool call: validates arguments, and makes side effects happen once via a ledger.

Two cases, by where the effect lives:
- the app's own database (App(database=...), SQLite or PostgreSQL): the ledger table is in
  that database and the effect and its ledger row commit in one transaction: exactly once,
  even across crashes (and across hosts, with PostgreSQL);
- anywhere else (an API, a file, another database): the ledger is relay's store. A call whose
  key is recorded returns the recorded result; a worker that dies after the effect but before
  the record runs the call again with the same `ctx.idempotency_key`, which the tool should
  send on to the system it calls (most payment and ticketing APIs take one).

A row is bound to its call: the tool, a digest of its arguments and its owner (the goal's
context and requester). It answers only the same call, and only after the tool's guard has let
that call through: a key replayed by someone else, or for other arguments, reads nothing.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from relay.agents.tool_models import ToolObservation, ToolOutcome
from relay.tools.context import ToolContext
from relay.tools.definition import ToolDefinition, ToolPermanentError
from relay.tools.store import LedgerRow, Store, Transaction


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
    agent: str | None = None
    tainted_by: str | None = None
    preferences: Mapping[str, str] = field(default_factory=dict)

    def tool_context(self, db: Any) -> ToolContext:
        return ToolContext(
            idempotency_key=self.idempotency_key,
            context=self.context,
            heartbeat=self.heartbeat,
            requested_by=self.requested_by,
            resources=self.resources,
            connection=db,
            agent=self.agent,
            tainted_by=self.tainted_by,
            preferences=self.preferences,
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


@dataclass(frozen=True)
class CallBinding:
    """The call a ledger row belongs to."""

    tool: str
    args_digest: str
    owner: str

    @classmethod
    def of(cls, tool: ToolDefinition, args: Any, scope: CallScope) -> "CallBinding":
        arguments = json.dumps(args.model_dump(mode="json"), sort_keys=True, default=str)
        owner = {"context": dict(scope.context), "requested_by": scope.requested_by}
        return cls(
            tool=tool.name,
            args_digest=hashlib.sha256(arguments.encode()).hexdigest(),
            owner=json.dumps(owner, sort_keys=True),
        )

    def answers(self, row: LedgerRow) -> bool:
        if row.args_digest is None:  # recorded before rows were bound: its key named the call
            return row.tool == self.tool
        return (row.tool, row.args_digest, row.owner) == (self.tool, self.args_digest, self.owner)


def _recorded(tx: Transaction, key: str, binding: CallBinding) -> ToolObservation | None:
    """The recorded answer to this very call; a refusal when the key is another call's."""
    row = tx.recorded(key)
    if row is None:
        return None
    if not binding.answers(row):
        return ToolObservation(
            tool=binding.tool,
            ok=False,
            refused=True,
            error="refused: this idempotency key is recorded for another call "
            "(a different tool, arguments or owner); nothing was done",
        )
    return ToolObservation.model_validate_json(row.result).model_copy(update={"replayed": True})


def _record(tx: Transaction, key: str, binding: CallBinding, observation: ToolObservation) -> None:
    row = LedgerRow(
        tool=binding.tool,
        result=observation.model_dump_json(),
        args_digest=binding.args_digest,
        owner=binding.owner,
    )
    tx.record(key, row)


def _handled(tool: ToolDefinition, args: Any, ctx: ToolContext) -> ToolObservation:
    """The handler's answer: its result as JSON, or its refusal (a business error). A
    TypeError means the handler cannot take what it is given: retrying cannot help."""
    try:
        data = tool.handler(args, ctx)
    except tool.refusals as err:
        return ToolObservation(tool=tool.name, ok=False, error=str(err) or type(err).__name__)
    except TypeError as err:
        raise ToolPermanentError(f"{tool.name} could not be called: {err}") from err
    return ToolObservation(tool=tool.name, ok=True, data=to_jsonable_python(data))


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
    binding = CallBinding.of(tool, args, scope)
    lock = key if tool.needs_ledger else None
    with database.transaction(lock=lock, connection=connection) as tx:
        ctx = scope.tool_context(tx.connection)
        answer = _refusal(tool, args, ctx)
        if answer is None and tool.needs_ledger:
            answer = _recorded(tx, key, binding)
        if answer is not None:
            tx.abort()
            return answer
        observation = _handled(tool, args, ctx)
        if not observation.ok:
            tx.abort()
            return observation
        if tool.needs_ledger:
            _record(tx, key, binding, observation)
    on_committed()
    return observation


def _recorded_after(
    tool: ToolDefinition,
    args: Any,
    scope: CallScope,
    store: Store,
    on_committed: Callable[[], None],
) -> ToolObservation:
    """The effect happens outside relay's store: the guard, then the ledger, then the effect,
    recorded right after."""
    binding = CallBinding.of(tool, args, scope)
    ctx = scope.tool_context(None)
    refused = _refusal(tool, args, ctx)
    if refused is not None:
        return refused
    if tool.needs_ledger:
        with store.transaction() as tx:
            recorded = _recorded(tx, scope.idempotency_key, binding)
        if recorded is not None:
            return recorded
    observation = _handled(tool, args, ctx)
    if observation.ok and tool.needs_ledger:
        with store.transaction() as tx:
            _record(tx, scope.idempotency_key, binding, observation)
        on_committed()
    return observation


def call_outcome(
    tool: ToolDefinition,
    arguments: dict[str, Any],
    scope: CallScope,
    *,
    store: Store,
    database: Store | None,
) -> ToolOutcome:
    """What happened to a call whose every attempt failed. In the app's database the answer is
    final: under the call's lock, no row means no effect, and relay records the call as
    abandoned so that an attempt still running somewhere cannot act later."""
    args = tool.args_model.model_validate(arguments)
    binding = CallBinding.of(tool, args, scope)
    key = scope.idempotency_key
    if database is None:
        with store.transaction() as tx:
            recorded = _recorded(tx, key, binding)
        return ToolOutcome(state="unknown") if recorded is None else _outcome(recorded)
    with database.transaction(lock=key) as tx:
        recorded = _recorded(tx, key, binding)
        if recorded is None:
            abandoned = ToolObservation(
                tool=tool.name,
                ok=False,
                abandoned=True,
                error=f"{tool.name} was not done: every attempt failed before it committed",
            )
            _record(tx, key, binding, abandoned)
            return ToolOutcome(state="not_done", observation=abandoned)
    return _outcome(recorded)


def _outcome(recorded: ToolObservation) -> ToolOutcome:
    if recorded.refused:  # the key is another call's: this call's fate is not on record
        return ToolOutcome(state="unknown")
    return ToolOutcome(state="not_done" if recorded.abandoned else "done", observation=recorded)
