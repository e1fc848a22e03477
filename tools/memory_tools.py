"""relay's own memory tools, for agents that list them (`tools=["remember", "recall"]`) in an
app with `App(memory=Memory(scope=...))`: a memory belongs to the goal's subject (its context
value for the scope), so one customer's run never reaches another's memories. `remember` is a
write (in a tainted context a human approves it, and the memory is kept labelled untrusted);
its memory's id is a digest of the call's ledger key, so a retried call stores it once."""

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from relay.agents.memory import (
    MEMORY_MAX_CHARS,
    MEMORY_TOOLS,
    PREFERENCE_MAX_CHARS,
    RECALL_MAX,
    Memory,
    MemoryRecord,
    Preference,
    memory_view,
    preference_view,
)
from relay.agents.specs import one_line
from relay.tools.context import ToolContext
from relay.tools.definition import ToolBusinessError, ToolDefinition, ToolSet
from relay.tools.memory_store import MemoryStore


class RememberArgs(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=MEMORY_MAX_CHARS,
        description="one fact or preference worth keeping, in a sentence",
    )


class RecallArgs(BaseModel):
    query: str = Field(min_length=1, max_length=300, description="what to look for")
    limit: int = Field(default=5, ge=1, le=RECALL_MAX)


def memory_tools(memories: MemoryStore, app: str, memory: Memory) -> dict[str, ToolDefinition]:
    tools = ToolSet()

    def subject(ctx: ToolContext) -> str:
        value = ctx.context.get(memory.scope)
        if not value:
            raise ToolBusinessError(
                f"this goal has no {memory.scope} in its context: there is no one to remember for"
            )
        return value

    def provenance(ctx: ToolContext) -> dict[str, Any]:
        # The key is <agent run's workflow id>/<its first run>/<the call's place>, and an
        # agent run's workflow id is <goal id>/<agent>-<n>.
        return {
            "goal_id": ctx.idempotency_key.rsplit("/", 2)[0].rsplit("/", 1)[0],
            "agent": ctx.agent or "unknown",
            "source": ctx.idempotency_key,
            "untrusted": ctx.tainted_by is not None,
        }

    @tools.tool(args=RememberArgs, risk="write")
    def remember(args: RememberArgs, ctx: ToolContext) -> dict[str, Any]:
        """Keep a fact or preference about the customer for later goals."""
        record = MemoryRecord(
            id=hashlib.sha256(ctx.idempotency_key.encode()).hexdigest()[:24],
            app=app,
            subject=subject(ctx),
            text=args.text,
            created_at=_now(),
            vector=None if memory.embed is None else memory.embed(args.text),
            **provenance(ctx),
        )
        memories.add(record)
        return {"remembered": record.id, "untrusted": record.untrusted}

    @tools.tool(args=RecallArgs, risk="read", idempotent=True)
    def recall(args: RecallArgs, ctx: ToolContext) -> dict[str, Any]:
        """Find what was remembered about the customer in earlier goals, most relevant first."""
        if memory.ttl_days is not None:
            memories.expire(app, memory.ttl_days)
        found = (
            memories.search(app, subject(ctx), args.query, args.limit)
            if memory.embed is None
            else memories.nearest(app, subject(ctx), memory.embed(args.query), args.limit)
        )
        result: dict[str, Any] = {"memories": [memory_view(record) for record in found]}
        if memory.preferences is not None:
            kept = memories.preferences(app, subject(ctx))
            result["preferences"] = {p.key: preference_view(p) for p in kept}
        return result

    if memory.preferences is not None:
        preferences = memory.preferences
        keys = tuple(preferences.model_fields)

        class SetPreferenceArgs(BaseModel):
            key: Literal[keys] = Field(description="which preference")  # type: ignore[valid-type]
            value: str = Field(min_length=1, max_length=PREFERENCE_MAX_CHARS)

        @tools.tool(args=SetPreferenceArgs, risk=memory.preference_risk)
        def set_preference(args: SetPreferenceArgs, ctx: ToolContext) -> dict[str, Any]:
            """Set one of the customer's standing preferences (it replaces the one before)."""
            try:
                preferences.model_validate({args.key: args.value})
            except ValidationError as err:
                raise ToolBusinessError(one_line(err, f"preference {args.key}")) from None
            kept = Preference(key=args.key, value=args.value, updated_at=_now(), **provenance(ctx))
            memories.set_preference(app, subject(ctx), kept)
            return {"preference": args.key, "value": args.value, "untrusted": kept.untrusted}

    return {name: tool for name in MEMORY_TOOLS if (tool := tools.get(name)) is not None}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
