"""The shop's behaviour for the `scripted` test double: a rule-based stand-in for an LLM that
plays the showcase (plan, orders, catalog, returns, synthesis) deterministically.

It sees only what a real model would see: the messages and the tool schemas. It reads ids and
amounts out of tool results and upstream results, exactly as a model is asked to.
"""

import json
import re
from typing import Any

from examples.shop.data import COLOURS
from relay.testing import LlmRequest, ToolCall, agents_brain, tool_output_body, upstream_results

_ID = {"order": re.compile(r"\bO-\d+\b"), "product": re.compile(r"\bP-\d+\b")}


def _first_user(request: LlmRequest) -> str:
    return next((m.content for m in request.messages if m.role == "user"), "")


def _field(text: str, label: str) -> str:
    match = re.search(rf"^{label}: (.*)$", text, re.M)
    return match.group(1).strip() if match else ""


def _tool_results(request: LlmRequest) -> list[dict[str, Any]]:
    return [json.loads(tool_output_body(m.content)) for m in request.messages if m.role == "tool"]


def _call(request: LlmRequest, name: str, **arguments: Any) -> tuple[str, list[ToolCall]]:
    return "", [ToolCall(id=f"call-{request.step}-{name}", name=name, arguments=arguments)]


def _item_words(goal: str) -> tuple[str, str, str]:
    """(colour of the item owned, its kind, colour wanted) from text like 'the blue shirt ...
    in green'."""
    owned = re.search(rf"\b({'|'.join(COLOURS)})\s+(\w+)", goal, re.I)
    wanted = re.search(rf"\bin\s+({'|'.join(COLOURS)})\b", goal, re.I)
    colour, kind = (owned.group(1).lower(), owned.group(2).lower()) if owned else ("", "item")
    return colour, kind, wanted.group(1).lower() if wanted else ""


def plan(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    prompt = _first_user(request)
    goal = _field(prompt, "Goal")
    candidates = re.findall(r"^- (\w+):", prompt, re.M)
    colour, kind, wanted = _item_words(goal)
    named = _ID["product"].search(goal)
    item = named.group(0) if named else f"{colour} {kind}".strip()
    tasks: list[dict[str, Any]] = []
    if "orders" in candidates:
        tasks.append(
            {
                "id": "orders",
                "agent": "orders",
                "depends_on": [],
                "instruction": f"Find the customer's last order and the {item} in it.",
            }
        )
    after_orders = ["orders"] if tasks else []
    if "catalog" in candidates:
        tasks.append(
            {
                "id": "catalog",
                "agent": "catalog",
                "depends_on": after_orders,
                "instruction": f"Recommend a product similar to the {item} that comes "
                f"in {wanted or 'another colour'}.",
            }
        )
    if "returns" in candidates:
        tasks.append(
            {
                "id": "returns",
                "agent": "returns",
                "depends_on": after_orders,
                "instruction": f"Return the {item} from the order: check eligibility, "
                "create the return and issue the refund.",
            }
        )
    return json.dumps({"tasks": tasks}), []


def _orders(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    prompt = _first_user(request)
    results = _tool_results(request)
    if not results:
        return _call(request, "get_last_order", customer_id=_field(prompt, "customer_id"))
    last = results[-1]
    if not last["ok"]:
        return f"I could not find the order: {last['error']}", []
    order = last["data"]
    colour, kind, _ = _item_words(_field(prompt, "Task"))
    matches = [i for i in order["items"] if colour in i["color"] and kind in i["category"]]
    if not matches:
        return f"Order {order['order_id']} has no {colour} {kind}.", []
    item = matches[0]
    return (
        f"The last order is {order['order_id']} (placed {order['placed_at'][:10]}). "
        f"It contains the {item['name']}, product {item['product_id']}, "
        f"paid ${item['paid']:.2f}."
    ), []


_KINDS = re.compile(r"\b(t-shirt|shirt|jeans|socks)s?\b", re.I)
_STATED = re.compile(rf"\b(?:prefer|favou?rite colou?r is|like)\s+({'|'.join(COLOURS)})\b", re.I)


def _catalog(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    task = _field(_first_user(request), "Task")
    stated = _STATED.search(task)
    if stated:  # the customer tells us their colour: keep it as their preference
        return _keep_colour(request, stated.group(1).lower())
    described = re.search(r"\b(?:tell me about|describe)\b.*?\b(P-\d+)", task, re.I)
    if described:
        return _describe(request, described.group(1))
    return _recommend(request, task)


def _keep_colour(request: LlmRequest, colour: str) -> tuple[str, list[ToolCall]]:
    results = _tool_results(request)
    if not results:
        return _call(request, "set_preference", key="colour", value=colour)
    if not results[-1]["ok"]:
        return f"I could not keep that: {results[-1]['error']}", []
    return f"Noted: your favourite colour is {colour}; I will remember it.", []


def _describe(request: LlmRequest, product: str) -> tuple[str, list[ToolCall]]:
    results = _tool_results(request)
    if not results:
        return _call(request, "get_product_details", product_id=product)
    if not results[-1]["ok"]:
        return f"I found no description of {product}: {results[-1]['error']}", []
    # The seller's words are data: quoted, never followed.
    return f"The seller describes {product} as: {results[-1]['data']['description']}", []


def _recommend(request: LlmRequest, task: str) -> tuple[str, list[ToolCall]]:
    prompt = _first_user(request)
    results = _tool_results(request)
    _, kind, wanted = _item_words(task)
    named_kind = _KINDS.search(task)
    if kind == "item" and named_kind:
        kind = named_kind.group(1).lower()
    if not wanted:  # no colour named: the customer's preference, if they told us one
        recalled = next((r for r in results if r["tool"] == "recall"), None)
        if recalled is None:
            return _call(request, "recall", query="favourite colour preference")
        kept = recalled["data"].get("preferences", {}).get("colour") if recalled["ok"] else None
        wanted = kept["value"] if kept else ""
        results = [r for r in results if r["tool"] != "recall"]
    if not results:
        product = _ID["product"].search(prompt)
        if product:
            return _call(
                request, "find_similar_products", product_id=product.group(0), color=wanted or None
            )
        return _call(request, "search_products", category=kind, color=wanted or None)
    last = results[-1]
    products = last["data"]["products"] if last["ok"] else []
    if not products:
        return f"Sorry, I found no {kind} in {wanted or 'that colour'}.", []
    best = products[0]
    return (
        f"I recommend the {best['name']} (product {best['product_id']}, ${best['price']:.2f}), "
        f"the {best['style']} style in {best['color']}."
    ), []


def _returns(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    prompt = _first_user(request)
    results = {r["tool"]: r for r in _tool_results(request)}
    order, product = _ID["order"].search(prompt), _ID["product"].search(prompt)
    if order is None or product is None:
        return "I need the order id and the product id to start a return.", []
    item = {"order_id": order.group(0), "product_id": product.group(0)}
    check = results.get("check_return_eligibility")
    if check is None:
        return _call(request, "check_return_eligibility", **item)
    if not check["ok"] or not check["data"]["eligible"]:
        why = check["error"] or "; ".join(check["data"]["reasons"])
        return f"The item cannot be returned: {why}.", []
    created = results.get("create_return")
    if created is None:
        return _call(request, "create_return", **item, reason="Customer asked to return it")
    if not created["ok"]:
        return f"The return could not be created: {created['error']}.", []
    return_id = created["data"]["return_id"]
    amount = created["data"]["refund_amount"]
    refund = results.get("issue_refund")
    if refund is None:
        return _call(request, "issue_refund", return_id=return_id, amount=amount)
    if refund["ok"]:
        return (
            f"Return {return_id} is created and refund {refund['data']['refund_id']} of "
            f"${amount:.2f} is issued."
        ), []
    return (
        f"Return {return_id} is created, but the refund of ${amount:.2f} was not issued: "
        f"{refund['error']}."
    ), []


def synthesize(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    lines = [f"- {agent}: {answer}" for agent, answer in upstream_results(request)]
    return "Here is what we did for you:\n" + "\n".join(lines), []


respond = agents_brain(
    {"orders": _orders, "catalog": _catalog, "returns": _returns}, plan, synthesize
)
