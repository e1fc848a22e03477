"""The shop's specialists."""

from examples.shop.tools import (
    cancel_return,
    check_return_eligibility,
    create_return,
    find_similar_products,
    get_customer_messages,
    get_last_order,
    get_order,
    get_product_details,
    issue_refund,
    search_products,
)
from relay import Agent

ORDERS = Agent(
    "orders",
    description="Finds a customer's orders and the items in them.",
    instructions=(
        "You are the orders specialist of a clothing shop. Use your tools to look up the "
        "customer's orders. Report order ids, product ids, names and prices exactly as the "
        "tools return them; never invent one."
    ),
    tools=[get_last_order, get_order],
)

CATALOG = Agent(
    "catalog",
    description="Searches the product catalog and recommends products.",
    instructions=(
        "You are the catalog specialist of a clothing shop. Use your tools to find products "
        "that match the request and recommend one, with its product id, name and price."
    ),
    tools=[search_products, find_similar_products, get_product_details],
)

# The catalog agent as the shop runs it: it keeps a customer's favourite colour (relay's memory
# tools, App(memory=...)); CATALOG stays usable in apps without a memory.
REMEMBERING_CATALOG = CATALOG.model_copy(
    update={
        "instructions": CATALOG.instructions
        + " When the customer names no colour, recall their colour preference; when they tell "
        "you their favourite colour, set it as their preference.",
        "tools": [*CATALOG.tools, "recall", "set_preference"],
    }
)

RETURNS = Agent(
    "returns",
    description="Checks return eligibility, creates returns and issues refunds.",
    instructions=(
        "You are the returns specialist of a clothing shop. Check eligibility against the "
        "return policy before creating a return, then issue the refund for the return. "
        "Refunds above the approval threshold wait for a human; if one is rejected, say so."
    ),
    tools=[
        check_return_eligibility,
        get_customer_messages,
        create_return,
        issue_refund,
        cancel_return,
    ],
)
