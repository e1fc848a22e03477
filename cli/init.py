"""`relay init NAME`: a new app project whose tests pass at once, offline: an app package (one
agent, two typed tools, a route), its tests on `relay.testing.run_goal` with a FunctionModel,
a five-case eval file and a Makefile."""

import argparse
import re
from pathlib import Path

from relay.client.errors import UserError
from relay.settings import Settings

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

APP = '''"""{name}: one agent that looks orders up and refunds them; a refund over $50 waits for a
human. Run it: `relay dev --app {name}.app:app`, then `relay run "..." --app {name}.app:app`."""

from typing import Annotated

from pydantic import Field

from relay import Agent, App, Approval, Route, ToolBusinessError, ToolContext, ToolSet

tools = ToolSet()
OrderId = Annotated[str, Field(pattern=r"^O-\\d+$", description="Order id, e.g. O-1001")]
ORDERS = {{
    "O-1001": {{"item": "blue shirt", "paid": 79.0}},
    "O-1002": {{"item": "socks", "paid": 9.0}},
}}


@tools.tool(risk="read", idempotent=True)
def lookup_order(order_id: OrderId) -> dict:
    """An order: what was bought and what was paid."""
    if order_id not in ORDERS:
        raise ToolBusinessError(f"no order {{order_id}}")
    return {{"order_id": order_id, **ORDERS[order_id]}}


@tools.tool(risk="write", approval=Approval.when("amount", ">", 50))
def refund(order_id: OrderId, amount: Annotated[float, Field(gt=0)], ctx: ToolContext) -> dict:
    """Refund an order (over $50 a human approves first).

    Args:
        amount: dollars to refund, at most what was paid.
    """
    if amount > ORDERS.get(order_id, {{}}).get("paid", 0):
        raise ToolBusinessError(f"{{order_id}} was paid less than ${{amount:.2f}}")
    # ctx.idempotency_key names this call across retries: pass it to your payment system.
    return {{"order_id": order_id, "refunded": amount, "reference": ctx.idempotency_key[-12:]}}


support = Agent(
    "support",
    description="Looks orders up and refunds them.",
    instructions="Look the order up first; refund only what was paid.",
    tools=[lookup_order, refund],
)
app = App(
    "{name}",
    agents=[support],
    tools=tools,
    routes=[Route(pattern=r"\\b(refund|order)\\b", agents=["support"])],
    id_pattern=r"\\bO-\\d+\\b",
)
'''

TESTS = '''"""{name}'s tests: each goal runs in-process on Temporal's time-skipping test server, the
model a FunctionModel, approvals answered by `decide`. No dev server, no network."""

from relay.testing import FunctionModel, LlmRequest, plan, run_goal, tool_call

from {name}.app import app


def model(request: LlmRequest) -> object:
    """A model that looks O-1001 up, refunds it, and says what happened."""
    if request.purpose == "plan":
        return plan({{"id": "a", "agent": "support", "instruction": "Refund O-1001."}})
    if request.purpose == "agent":
        seen = [m.content or "" for m in request.messages if m.role == "tool"]
        if not seen:
            return tool_call("lookup_order", order_id="O-1001")
        if len(seen) == 1:
            return tool_call("refund", order_id="O-1001", amount=79.0)
        return "O-1001 is refunded." if '"ok":true' in seen[-1] else "O-1001 is not refunded."
    return "Done with O-1001."


async def test_a_refund_over_50_waits_for_a_human_who_approves() -> None:
    run = await run_goal(
        app, "Refund my order O-1001", model=FunctionModel(model), decide=lambda p: True
    )
    assert run.result.status == "completed"
    assert [p.tool for p in run.asked] == ["refund"]
    assert run.tool_calls[-1].result["refunded"] == 79.0


async def test_a_rejected_refund_is_not_made() -> None:
    run = await run_goal(
        app, "Refund my order O-1001", model=FunctionModel(model), decide=lambda p: False
    )
    assert run.result.status == "rejected"
    assert run.tool_calls[-1].outcome == "rejected"
'''

PLAN = (
    '{{\\"tasks\\": [{{\\"id\\": \\"a\\", \\"agent\\": \\"support\\", '
    '\\"instruction\\": \\"{task}\\"}}]}}'
)


def _case(case_id: str, goal: str, calls: list[str], answer: str, extra: str) -> str:
    agent = ", ".join([*calls, f'{{"content": "{answer}"}}'])
    script = (
        f'{{"plan": [{{"content": "{PLAN.format(task=goal)}"}}], '
        f'"agents": {{"support": [{agent}]}}, "synthesize": [{{"content": "{answer}"}}]}}'
    )
    return f'{{"id": "{case_id}", "goal": "{goal}", {extra}"script": {script}}}\n'


LOOKUP = '{"tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "O-1001"}}]}'
REFUND_BIG = (
    '{"tool_calls": [{"name": "refund", "arguments": {"order_id": "O-1001", "amount": 79}}]}'
)
REFUND_SMALL = (
    '{"tool_calls": [{"name": "refund", "arguments": {"order_id": "O-1002", "amount": 9}}]}'
)
EVALS = "".join(
    [
        _case(
            "look-up",
            "What did I buy in O-1001?",
            [LOOKUP],
            "You bought a blue shirt in O-1001.",
            '"status": "completed", "answer_includes": ["blue shirt"], ',
        ),
        _case(
            "refund-approved",
            "Refund O-1001",
            [LOOKUP, REFUND_BIG],
            "O-1001 is refunded.",
            '"status": "completed", "approvals": [{"tool": "refund", "decision": "approve"}], ',
        ),
        _case(
            "refund-rejected",
            "Refund O-1001",
            [LOOKUP, REFUND_BIG],
            "O-1001 is not refunded.",
            '"status": "rejected", "approvals": [{"tool": "refund", "decision": "reject"}], ',
        ),
        _case(
            "small-refund",
            "Refund O-1002",
            [REFUND_SMALL],
            "O-1002 is refunded.",
            '"status": "completed", "tools": [{"tool": "refund"}], ',
        ),
        _case(
            "no-refund-asked",
            "What did I buy in O-1001?",
            [LOOKUP],
            "A blue shirt.",
            '"forbidden_tools": [{"tool": "refund"}], ',
        ),
    ]
)

MAKEFILE = """# PYTHON: an interpreter with relay installed (pip install relay).
PYTHON ?= python3

.PHONY: test eval dev

test:
\t$(PYTHON) -m pytest -q

# The five cases in evals.jsonl, offline on the scripted test double (a dev server is started).
eval:
\t$(PYTHON) -m relay.cli eval evals.jsonl --app {name}.app:app --model scripted --out artifacts/eval

dev:
\t$(PYTHON) -m relay.cli dev --app {name}.app:app
"""

PYPROJECT = """[project]
name = "{name}"
version = "0.1.0"
dependencies = ["relay"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
pythonpath = ["."]
"""


def files(name: str) -> dict[str, str]:
    """The project's files, by path inside it."""
    return {
        f"{name}/__init__.py": "",
        f"{name}/app.py": APP.format(name=name),
        "tests/test_app.py": TESTS.format(name=name),
        "evals.jsonl": EVALS,
        "Makefile": MAKEFILE.format(name=name),
        "pyproject.toml": PYPROJECT.format(name=name),
    }


def add_init_command(sub: argparse._SubParsersAction) -> None:
    init = sub.add_parser(
        "init",
        help="start an app project: an agent, two tools, tests and evals that pass offline",
        description="Writes NAME/ with the app package NAME (one agent, two typed tools, a "
        "route), tests on relay.testing.run_goal, a five-case evals.jsonl and a Makefile; "
        "`cd NAME && make test` passes at once, offline.",
    )
    init.add_argument("name", help="the project's and its package's name, e.g. refunds")
    init.add_argument("--into", metavar="DIR", default=".", help="where NAME/ is made (default .)")
    init.set_defaults(handler=cmd_init)


async def cmd_init(args: argparse.Namespace, settings: Settings) -> None:
    if not PROJECT_NAME.match(args.name):
        raise UserError(
            f"project name {args.name!r}: lowercase letters, digits and '_', starting with a letter"
        )
    root = Path(args.into) / args.name
    if root.exists() and any(root.iterdir()):
        raise UserError(f"{root} exists and is not empty; pick another name or folder")
    for path, text in files(args.name).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    print(f"wrote {root}: {', '.join(sorted(files(args.name)))}")
    print(f"next: cd {root} && make test   (then: make eval, make dev)")
