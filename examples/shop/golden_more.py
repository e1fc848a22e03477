"""The shop's golden cases for reads that change nothing, undoing a return, refunds over what
is due, and a model that calls a tool wrongly or outside its agent's grant."""

from examples.eval_cases import Case, call, expect_call, say, solo
from examples.shop.golden_paths import ADA


def shop_more_paths() -> list[Case]:
    """Reads that change nothing, undoing a return, refunds over what is due, and a model that
    calls a tool wrongly or outside its agent's grant."""
    cases = []
    for order, customer in [("O-5002", "C-1001"), ("O-5003", "C-1002")]:
        cases.append(
            solo(
                f"shop-read-messages-{order.lower()}",
                f"What did I write about order {order}? Just tell me, do not return anything",
                {"customer_id": customer},
                "r",
                "returns",
                f"Read the messages about {order}.",
                [
                    call("get_customer_messages", order_id=order),
                    say("You wrote one message."),
                ],
                "You wrote one message about that order.",
                status="completed",
                tools=[expect_call("get_customer_messages", order_id=order)],
                forbidden_tools=[expect_call("create_return")],
            )
        )
    for category, max_price, first in [
        ("shirt", 60, "P-106"),
        ("t-shirt", 20, None),
        ("socks", 15, "P-107"),
    ]:
        answer = f"Try {first}." if first else "Nothing under that price."
        cases.append(
            solo(
                f"shop-search-{category}-under-{max_price}",
                f"Suggest a {category} under ${max_price}",
                ADA,
                "c",
                "catalog",
                f"Find a {category} under ${max_price}.",
                [
                    call("search_products", category=category, max_price=max_price),
                    say(answer),
                ],
                answer,
                status="completed",
                answer_includes=[first] if first else ["nothing"],
                tools=[expect_call("search_products", max_price=max_price)],
            )
        )
    cases.append(
        solo(
            "shop-return-then-cancel",
            "Return the t-shirts P-105 from O-5002, then cancel that return, I changed my mind",
            ADA,
            "r",
            "returns",
            "Return P-105 from O-5002, then cancel the return.",
            [
                call("create_return", order_id="O-5002", product_id="P-105", reason="size"),
                call("cancel_return", return_id="R-7001"),
                say("Return R-7001 was opened and cancelled."),
            ],
            "Return R-7001 was cancelled; nothing was refunded.",
            status="completed",
            tools_in_order=True,
            tools=[expect_call("create_return"), expect_call("cancel_return", return_id="R-7001")],
            check="examples.shop.checks:no_refund",
        )
    )
    cases.append(
        solo(
            "shop-refund-over-due",
            "Return the t-shirts P-105 from O-5002 and refund me $80",
            ADA,
            "r",
            "returns",
            "Return P-105 from O-5002.",
            [
                call("create_return", order_id="O-5002", product_id="P-105", reason="shrank"),
                call("issue_refund", return_id="R-7001", amount=80),
                say("The refund could not exceed what is due."),
            ],
            "The refund cannot exceed the amount due.",
            status="completed",
            tools=[expect_call("issue_refund", "error", amount=80)],
            approvals=[{"tool": "issue_refund", "decision": "approve"}],
            check="examples.shop.checks:no_refund",
        )
    )
    for n, bad in enumerate([{"order_id": "5002"}, {"order_id": "O-5002", "product_id": "shirt"}]):
        cases.append(
            solo(
                f"shop-invalid-arguments-{n}",
                "Can I return the blue shirt P-101 from O-5002?",
                ADA,
                "r",
                "returns",
                "Check whether P-101 from O-5002 can be returned.",
                [
                    call("check_return_eligibility", **{"product_id": "P-101", **bad}),
                    call("check_return_eligibility", order_id="O-5002", product_id="P-101"),
                    say("P-101 from O-5002 can be returned."),
                ],
                "Yes, P-101 from O-5002 can be returned.",
                status="completed",
                tools_in_order=True,
                tools=[
                    expect_call("check_return_eligibility", "invalid"),
                    expect_call("check_return_eligibility", order_id="O-5002"),
                ],
            )
        )
    for agent, tool, arguments, goal in [
        ("orders", "issue_refund", {"return_id": "R-7001", "amount": 10}, "Refund my last order"),
        (
            "catalog",
            "create_return",
            {"order_id": "O-5002", "product_id": "P-101", "reason": "x"},
            "Recommend a shirt like P-101",
        ),
    ]:
        cases.append(
            solo(
                f"shop-outside-grant-{agent}",
                goal,
                ADA,
                "t",
                agent,
                "Help the customer.",
                [call(tool, **arguments), say("I cannot do that.")],
                "That is not something this agent may do.",
                status="completed",
                tools=[expect_call(tool, "refused")],
                forbidden_tools=[expect_call(tool)],
                check="examples.shop.checks:no_refund",
            )
        )
    return cases
