"""The specialist agents: what each one is for, which tools it may touch, its default budget."""

from pydantic import BaseModel


class AgentSpec(BaseModel):
    name: str
    description: str
    instructions: str
    tools: list[str]
    max_steps: int = 12
    model: str | None = None  # a route of its own overrides the goal's route
    # MCP grants: a whole server (`time`) or one tool (`time__get_current_time`).
    mcp: list[str] = []


ORDERS = AgentSpec(
    name="orders",
    description="Finds a customer's orders and the items in them.",
    instructions=(
        "You are the orders specialist of a clothing shop. Use your tools to look up the "
        "customer's orders. Report order ids, product ids, names and prices exactly as the "
        "tools return them; never invent one."
    ),
    tools=["get_last_order", "get_order"],
)

CATALOG = AgentSpec(
    name="catalog",
    description="Searches the product catalog and recommends products.",
    instructions=(
        "You are the catalog specialist of a clothing shop. Use your tools to find products "
        "that match the request and recommend one, with its product id, name and price."
    ),
    tools=["search_products", "find_similar_products"],
)

RETURNS = AgentSpec(
    name="returns",
    description="Checks return eligibility, creates returns and issues refunds.",
    instructions=(
        "You are the returns specialist of a clothing shop. Check eligibility against the "
        "return policy before creating a return, then issue the refund for the return. "
        "Refunds above the approval threshold wait for a human; if one is rejected, say so."
    ),
    tools=[
        "check_return_eligibility",
        "get_customer_messages",
        "create_return",
        "issue_refund",
        "cancel_return",
    ],
)

AGENTS: dict[str, AgentSpec] = {spec.name: spec for spec in (ORDERS, CATALOG, RETURNS)}


def mcp_grants(agent: str, extra: dict[str, list[str]]) -> list[str]:
    """An agent's MCP grants: its spec's, plus the worker's configuration (RELAY_AGENT_MCP)."""
    spec = AGENTS.get(agent)
    return [*(spec.mcp if spec else []), *extra.get(agent, [])]
