"""relay's own memory tools, for agents that list them (`tools=["remember", "recall"]`) in an
app with `App(memory=Memory(scope=...))`: a memory belongs to the goal's subject (its context
value for the scope), so one customer's run never reaches another's memories. `remember` is a
write (in a tainted context a human approves it, and the memory is kept labelled untrusted);
its memory's id is a digest of the call's ledger key, so a retried call stores it once."""

import hashlib
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from relay.agents.memory import (
    MEMORY_MAX_CHARS,
    RECALL,
    RECALL_MAX,
    REMEMBER,
    Memory,
    MemoryRecord,
    memory_view,
)
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

    @tools.tool(args=RememberArgs, risk="write")
    def remember(args: RememberArgs, ctx: ToolContext) -> dict[str, Any]:
        """Keep a fact or preference about the customer for later goals."""
        # The key is <agent run's workflow id>/<its first run>/<the call's place>, and an
        # agent run's workflow id is <goal id>/<agent>-<n>.
        goal_id = ctx.idempotency_key.rsplit("/", 2)[0].rsplit("/", 1)[0]
        record = MemoryRecord(
            id=hashlib.sha256(ctx.idempotency_key.encode()).hexdigest()[:24],
            app=app,
            subject=subject(ctx),
            text=args.text,
            goal_id=goal_id,
            agent=ctx.agent or "unknown",
            source=ctx.idempotency_key,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            untrusted=ctx.tainted_by is not None,
        )
        memories.add(record)
        return {"remembered": record.id, "untrusted": record.untrusted}

    @tools.tool(args=RecallArgs, risk="read", idempotent=True)
    def recall(args: RecallArgs, ctx: ToolContext) -> dict[str, Any]:
        """Find what was remembered about the customer in earlier goals, most relevant first."""
        if memory.ttl_days is not None:
            memories.expire(app, memory.ttl_days)
        found = memories.search(app, subject(ctx), args.query, args.limit)
        return {"memories": [memory_view(record) for record in found]}

    return {name: tool for name in (REMEMBER, RECALL) if (tool := tools.get(name)) is not None}
