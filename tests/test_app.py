"""The public API's values: an App that does not hold together fails at once with one line;
the goal's context is bounded; `customer_id` still works as an alias."""

import pytest
from pydantic import BaseModel, ValidationError

from relay import Agent, App, GoalRequest, Route, ToolContext, ToolSet
from relay.agents.models import CONTEXT_MAX_ENTRIES
from relay.agents.specs import SpecError
from relay.app import AppError, load_app

tools = ToolSet()


class NoArgs(BaseModel):
    pass


@tools.tool(args=NoArgs, risk="irreversible")
def wipe(args: NoArgs, ctx: ToolContext) -> dict:
    """Wipes something."""
    return {}


@tools.tool(args=NoArgs, risk="write")
def note(args: NoArgs, ctx: ToolContext) -> dict:
    """Writes a note."""
    return {}


def agent(name: str = "ops", **overrides: object) -> Agent:
    return Agent(name, **({"description": "d", "instructions": "i", "tools": [wipe]} | overrides))


def test_agents_take_tools_as_functions_and_names() -> None:
    assert agent(tools=[wipe, "note"]).tools == ["wipe", "note"]
    with pytest.raises(TypeError, match="is not a relay tool"):
        agent(tools=[print])
    with pytest.raises(SpecError, match="must be lowercase"):
        agent("Ops Team")


def test_an_app_that_does_not_hold_together_fails_with_one_line() -> None:
    cases = [
        ({"agents": []}, "has no agents"),
        ({"agents": [agent(), agent()]}, "names an agent twice"),
        ({"agents": [agent(tools=["nope"])]}, "lists tools the app's ToolSet does not have"),
        ({"routes": [Route(pattern="x", agents=["ghost"])]}, "names unknown agents ['ghost']"),
        ({"id_pattern": "("}, "is not a regular expression"),
    ]
    for overrides, message in cases:
        with pytest.raises(AppError) as bad:
            App("ops", **({"agents": [agent()], "tools": tools} | overrides))  # type: ignore[arg-type]
        assert message in str(bad.value) and "\n" not in str(bad.value)


def test_irreversible_tools_always_wait_unless_they_name_a_rule() -> None:
    assert (
        tools.get("wipe").info().always_approve
        == "wipe is irreversible: a human decides every call"
    )  # type: ignore[union-attr]
    assert tools.get("note").info().always_approve is None  # type: ignore[union-attr]


def test_load_app_names_what_is_wrong() -> None:
    assert load_app("examples.helpdesk.app:app").name == "helpdesk"
    for reference, message in [
        ("examples.helpdesk.app", "expected module:attribute"),
        ("examples.helpdesk.app:HELPDESK", "is ToolSet, not an App"),
    ]:
        with pytest.raises(AppError, match=message):
            load_app(reference)


def test_goal_context_is_bounded_and_customer_id_is_an_alias() -> None:
    assert GoalRequest(goal="g", customer_id="C-1").context == {"customer_id": "C-1"}
    assert GoalRequest(goal="g", customer_id="C-1", context={"customer_id": "C-2"}).context == {
        "customer_id": "C-2"
    }
    too_many = {f"k{n}": "v" for n in range(CONTEXT_MAX_ENTRIES + 1)}
    for context in (too_many, {"k": "v" * 1001}, {"bad key": "v"}):
        with pytest.raises(ValidationError):
            GoalRequest(goal="g", context=context)
