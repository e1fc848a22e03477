"""relay's own tool `read_stored_result`: a tool result too large for history is stored by
reference (activities/result_store.py), and the model reads it page by page through this tool,
which every agent has. An agent run reads only the results its own calls stored."""

from math import ceil
from typing import Any

from pydantic import BaseModel, Field

from relay.tools.context import ToolContext
from relay.tools.definition import ToolBusinessError, ToolDefinition, ToolSet
from relay.tools.store import Store

READ_STORED_RESULT = "read_stored_result"
STORED_PREFIX = "stored_results:"
PAGE_CHARS = 16_000  # at most; less where stored results start smaller


class ReadStoredArgs(BaseModel):
    ref: str = Field(
        pattern=r"^stored_results:\S+$",
        max_length=400,
        description="the `stored_as` reference of a large tool result",
    )
    page: int = Field(default=1, ge=1, le=1_000_000, description="1 is the first page")


def stored_result_tool(store: Store, stored_over_bytes: int) -> ToolDefinition:
    """The tool, reading from this worker's store. A page, escaped as JSON in the tool's own
    result, stays well under `stored_over_bytes`, so a page is never stored by reference."""
    page_chars = min(PAGE_CHARS, stored_over_bytes // 3)
    tools = ToolSet()

    @tools.tool(args=ReadStoredArgs, risk="read", idempotent=True)
    def read_stored_result(args: ReadStoredArgs, ctx: ToolContext) -> dict[str, Any]:
        """Read a page of a large tool result that was stored by reference (`stored_as`)."""
        key = args.ref.removeprefix(STORED_PREFIX)
        caller = ctx.idempotency_key.rsplit("/", 1)[0]  # this agent run's workflow id
        if not key.startswith(caller + "/"):
            raise ToolBusinessError(f"{args.ref} was not stored by this agent's calls")
        with store.transaction() as tx:
            body = tx.stored_result(key)
        if body is None:
            raise ToolBusinessError(f"no stored result {args.ref}")
        pages = max(1, ceil(len(body) / page_chars))
        if args.page > pages:
            raise ToolBusinessError(f"{args.ref} has {pages} page(s)")
        start = (args.page - 1) * page_chars
        return {
            "ref": args.ref,
            "page": args.page,
            "pages": pages,
            "text": body[start : start + page_chars],
        }

    found = tools.get(READ_STORED_RESULT)
    assert found is not None
    return found
