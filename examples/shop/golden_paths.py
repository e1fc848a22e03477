"""The shop's golden cases, normal paths: lookups, the catalog, returns (both sides of the
approval) and multi-agent goals with dependencies."""

from examples.eval_cases import Case, call, case, expect_call, say, solo, task

ADA, ALAN = {"customer_id": "C-1001"}, {"customer_id": "C-1002"}
ORDERS_OF = {"C-1001": ["O-5001", "O-5002"], "C-1002": ["O-5003"]}


LAST_ORDER = {"C-1001": "O-5002", "C-1002": "O-5003"}


CUSTOMER = {"O-5001": "C-1001", "O-5002": "C-1001", "O-5003": "C-1002"}


def shop_lookups() -> list[Case]:
    cases = []
    for customer, order in LAST_ORDER.items():
        for n, goal in enumerate(
            ["What was my last order?", "Which order did I place most recently?"]
        ):
            cases.append(
                solo(
                    f"shop-last-order-{customer.lower()}-{n}",
                    goal,
                    {"customer_id": customer},
                    "o",
                    "orders",
                    "Find the customer's last order.",
                    [
                        call("get_last_order", customer_id=customer),
                        say(f"Your last order is {order}."),
                    ],
                    f"Your last order is {order}.",
                    status="completed",
                    answer_includes=[order],
                    tools=[expect_call("get_last_order", customer_id=customer)],
                    forbidden_tools=[expect_call("create_return"), expect_call("issue_refund")],
                )
            )
    for order, customer in CUSTOMER.items():
        cases.append(
            solo(
                f"shop-order-status-{order.lower()}",
                f"Has my order {order} been delivered?",
                {"customer_id": customer},
                "o",
                "orders",
                f"Look up order {order}.",
                [
                    call("get_order", order_id=order),
                    say(f"Order {order} is delivered."),
                ],
                f"Order {order} has been delivered.",
                status="completed",
                answer_includes=[order, "delivered"],
                tools=[expect_call("get_order", order_id=order)],
            )
        )
    return cases


SEARCHES = [
    # (category, color, a product the catalog returns first, or None)
    ("shirt", "green", "P-103"),
    ("shirt", "blue", "P-101"),
    ("jeans", "blue", "P-104"),
    ("t-shirt", "white", "P-105"),
    ("socks", "navy", "P-107"),
    ("shirt", "red", None),
    ("jeans", "black", None),
]


def shop_catalog() -> list[Case]:
    cases = []
    for category, color, first in SEARCHES:
        answer = (
            f"I recommend product {first}." if first else f"Sorry, there is no {color} {category}."
        )
        cases.append(
            solo(
                f"shop-search-{color}-{category}",
                f"Can you recommend a {color} {category}?",
                ADA,
                "c",
                "catalog",
                f"Find a {color} {category}.",
                [call("search_products", category=category, color=color), say(answer)],
                answer,
                status="completed",
                answer_includes=[first] if first else ["no"],
                tools=[expect_call("search_products", category=category, color=color)],
            )
        )
    for product, color, similar in [("P-101", "green", "P-102"), ("P-104", None, None)]:
        answer = f"A similar one is {similar}." if similar else "There is nothing similar."
        arguments = {"product_id": product, **({"color": color} if color else {})}
        cases.append(
            solo(
                f"shop-similar-{product.lower()}",
                f"Recommend something similar to {product}" + (f" in {color}" if color else ""),
                ADA,
                "c",
                "catalog",
                f"Find products similar to {product}.",
                [call("find_similar_products", **arguments), say(answer)],
                answer,
                status="completed",
                answer_includes=[similar] if similar else ["nothing similar"],
                tools=[expect_call("find_similar_products", **arguments)],
            )
        )
    cases.append(
        solo(
            "shop-similar-unknown-product",
            "Recommend something similar to P-999",
            ADA,
            "c",
            "catalog",
            "Find products similar to P-999.",
            [
                call("find_similar_products", product_id="P-999"),
                say("I could not find that product."),
            ],
            "I could not find product P-999 in the catalog.",
            status="completed",
            tools=[expect_call("find_similar_products", "error", product_id="P-999")],
        )
    )
    return cases


def _return_replies(order: str, product: str, amount: float, return_id: str = "R-7001") -> list:
    return [
        call("check_return_eligibility", order_id=order, product_id=product),
        call("create_return", order_id=order, product_id=product, reason="Customer asked"),
        call("issue_refund", return_id=return_id, amount=amount),
    ]


# (order, product, customer, refund, over the approval threshold of $50)


RETURNABLE = [
    ("O-5002", "P-101", "C-1001", 79.0, True),
    ("O-5002", "P-105", "C-1001", 50.0, False),
    ("O-5003", "P-103", "C-1002", 65.0, True),
]


def shop_returns() -> list[Case]:
    cases = []
    for order, product, customer, amount, needs_human in RETURNABLE:
        decisions = ["approve", "reject"] if needs_human else ["none"]
        for decision in decisions:
            refunded = decision != "reject"
            final = (
                f"Return R-7001 is open and ${amount:.2f} was refunded."
                if refunded
                else "The refund was rejected by a reviewer."
            )
            cases.append(
                solo(
                    f"shop-return-{order.lower()}-{product.lower()}-{decision}",
                    f"I want to return {product} from order {order} and get a refund",
                    {"customer_id": customer},
                    "r",
                    "returns",
                    f"Return {product} from order {order}.",
                    [*_return_replies(order, product, amount), say(final)],
                    final,
                    status="completed" if refunded else "rejected",
                    tools_in_order=True,
                    tools=[
                        expect_call("check_return_eligibility", order_id=order, product_id=product),
                        expect_call("create_return", order_id=order),
                        expect_call(
                            "issue_refund",
                            "ok" if refunded else "rejected",
                            amount=amount,
                        ),
                    ],
                    approvals=[{"tool": "issue_refund", "decision": decision}]
                    if needs_human
                    else [],
                    check="examples.shop.checks:one_refund_per_return"
                    if refunded
                    else "examples.shop.checks:no_refund",
                )
            )
    return cases


def shop_multi_agent() -> list[Case]:
    cases = []
    showcase = (
        "I want to return the blue shirt from my last order, but can you first recommend a "
        "similar one that comes in green?"
    )
    for decision in ("approve", "reject"):
        approved = decision == "approve"
        cases.append(
            case(
                f"shop-multi-showcase-{decision}",
                showcase,
                ADA,
                [
                    task("o", "orders", "Find the last order and the blue shirt in it."),
                    task("c", "catalog", "Recommend a green shirt similar to it.", "o"),
                    task("r", "returns", "Return the blue shirt P-101 from O-5002.", "o"),
                ],
                {
                    "orders": [
                        call("get_last_order", customer_id="C-1001"),
                        say("The last order is O-5002 with the blue shirt P-101."),
                    ],
                    "catalog": [
                        call("find_similar_products", product_id="P-101", color="green"),
                        say("I recommend P-102, the green oxford shirt."),
                    ],
                    "returns": [
                        *_return_replies("O-5002", "P-101", 79.0),
                        say("Return R-7001 done."),
                    ],
                },
                "Return R-7001 is refunded; try P-102." if approved else "The refund was rejected.",
                status="completed" if approved else "rejected",
                tools_in_order=True,
                tools=[
                    expect_call("get_last_order"),
                    expect_call("find_similar_products", product_id="P-101"),
                    expect_call("issue_refund", "ok" if approved else "rejected"),
                ],
                approvals=[{"tool": "issue_refund", "decision": decision}],
            )
        )
    # Independent tasks side by side, and a chain of three.
    cases.append(
        case(
            "shop-multi-parallel-lookups",
            "What was my last order, and can you recommend a green shirt?",
            ADA,
            [
                task("o", "orders", "Find the last order."),
                task("c", "catalog", "Recommend a green shirt."),
            ],
            {
                "orders": [call("get_last_order", customer_id="C-1001"), say("It is O-5002.")],
                "catalog": [
                    call("search_products", category="shirt", color="green"),
                    say("Try P-103."),
                ],
            },
            "Your last order is O-5002; try the green shirt P-103.",
            status="completed",
            answer_includes=["O-5002", "P-103"],
            tools=[expect_call("get_last_order"), expect_call("search_products", color="green")],
        )
    )
    for customer, order, product, amount in [
        ("C-1001", "O-5002", "P-105", 50.0),
        ("C-1002", "O-5003", "P-103", 65.0),
    ]:
        cases.append(
            case(
                f"shop-multi-order-then-return-{customer.lower()}",
                "Return the first item of my last order",
                {"customer_id": customer},
                [
                    task("o", "orders", "Find the last order and its items."),
                    task("r", "returns", f"Return {product} from {order}.", "o"),
                ],
                {
                    "orders": [
                        call("get_last_order", customer_id=customer),
                        say(f"The last order is {order} with {product}."),
                    ],
                    "returns": [
                        *_return_replies(order, product, amount),
                        say("Return R-7001 done."),
                    ],
                },
                "Return R-7001 is refunded.",
                status="completed",
                tools_in_order=True,
                tools=[expect_call("get_last_order"), expect_call("issue_refund", amount=amount)],
                approvals=[{"tool": "issue_refund", "decision": "approve"}] if amount > 50 else [],
                check="examples.shop.checks:one_refund_per_return",
            )
        )
    return cases
