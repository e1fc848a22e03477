"""Tools written as typed functions, and mistakes that fail at definition in one line: the
argument model from the signature (defaults, Annotated fields, pydantic types, docstring
descriptions), `name=` / `description=`, `business_errors`, agents and routes out of bounds.
The runs go through a real dev server and worker."""

import datetime
import socket
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from relay import Agent, App, ToolContext, ToolSet
from relay.agents.specs import Route, SpecError
from relay.temporal.devserver import DevServer
from relay.tools.signature_args import ToolDefinitionError
from tests.conftest import running_relay
from tests.test_agent_loop import call

TOOLS = ToolSet()
CALLS: list[str] = []


class Window(BaseModel):
    start: datetime.date
    days: int = Field(default=7, ge=1, le=30)


@TOOLS.tool(risk="read")
def find_flights(
    origin: Annotated[str, Field(pattern=r"^[A-Z]{3}$")],
    destination: str,
    window: Window,
    ctx: ToolContext,
    cabin: Literal["economy", "business"] = "economy",
    max_stops: int = 1,
) -> dict[str, Any]:
    """Flights between two airports in a date window.

    Args:
        origin: IATA code of the departure airport, e.g. LHR.
        destination: IATA code of the arrival airport.
        window: when to fly.
        max_stops: at most this many stops.
    """
    CALLS.append("find_flights")
    return {
        "route": f"{origin}-{destination}",
        "from": window.start.isoformat(),
        "cabin": cabin,
        "stops": max_stops,
        "customer": ctx.context.get("customer_id"),
    }


class SoldOut(Exception):
    pass


@TOOLS.tool(
    risk="write",
    name="hold_seat",
    description="Hold a seat on a flight for 15 minutes.",
    business_errors=(SoldOut, ValueError),
)
def hold(flight: str) -> dict[str, str]:
    CALLS.append("hold_seat")
    if flight.endswith("0"):
        raise SoldOut(f"flight {flight} is sold out")
    if not flight.startswith("BA"):
        raise ValueError(f"we only sell BA flights, not {flight}")
    return {"held": flight}


@TOOLS.tool(risk="read")
def broken_lookup(code: str) -> dict[str, str]:
    """A tool with a bug: it calls a function with the wrong arguments."""
    CALLS.append("broken_lookup")
    return {"code": code.upper(1)}  # type: ignore[call-arg]


TRAVEL = Agent(
    "travel",
    description="Finds and holds flights.",
    instructions="Find flights and hold seats.",
    tools=[find_flights, hold, broken_lookup],
)
APP = App("travel", agents=[TRAVEL], tools=TOOLS)


def test_the_argument_model_comes_from_the_signature_and_the_docstring() -> None:
    info = TOOLS.get("find_flights").info()  # type: ignore[union-attr]
    schema = info.parameters
    assert info.description == "Flights between two airports in a date window."
    assert sorted(schema["required"]) == ["destination", "origin", "window"]
    props = schema["properties"]
    assert props["origin"]["pattern"] == "^[A-Z]{3}$"
    assert props["origin"]["description"] == "IATA code of the departure airport, e.g. LHR."
    assert props["cabin"] == {
        "default": "economy",
        "enum": ["economy", "business"],
        "title": "Cabin",
        "type": "string",
    }
    assert props["max_stops"]["default"] == 1 and "at most" in props["max_stops"]["description"]
    assert "ctx" not in props and schema["additionalProperties"] is False
    held = TOOLS.get("hold_seat")
    assert held is not None and held.description == "Hold a seat on a flight for 15 minutes."
    assert hold.relay_tool == "hold_seat"  # type: ignore[attr-defined]


async def test_typed_tools_run_and_business_errors_are_not_retried(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, APP) as relay:
        script = relay.script(
            {
                "plan": [
                    {
                        "content": '{"tasks": [{"id": "t", "agent": "travel", '
                        '"instruction": "Fly."}]}'
                    }
                ],
                "agents": {
                    "travel": [
                        call(
                            "find_flights",
                            origin="LHR",
                            destination="JFK",
                            window={"start": "2027-01-10"},
                        ),
                        call("hold_seat", flight="BA110"),
                        call("hold_seat", flight="LH401"),
                        call("hold_seat", flight="BA117"),
                        call("broken_lookup", code="x"),
                        {"content": "Held BA117."},
                    ]
                },
                "synthesize": [{"content": "Held BA117."}],
            }
        )
        CALLS.clear()
        handle = await relay.start(model=script, customer="C-7")
        result = await handle.result()
        child = await relay.child_result(result.tasks[0].workflow_id)
        runs = await relay.activity_runs(child.workflow_id, "tool")

    assert [(c.tool, c.outcome) for c in child.tool_calls] == [
        ("find_flights", "ok"),
        ("hold_seat", "error"),
        ("hold_seat", "error"),
        ("hold_seat", "ok"),
        ("broken_lookup", "error"),
    ]
    assert runs[0].result["data"] == {
        "route": "LHR-JFK",
        "from": "2027-01-10",
        "cabin": "economy",
        "stops": 1,
        "customer": "C-7",
    }
    assert child.tool_calls[1].detail == "flight BA110 is sold out"
    assert child.tool_calls[2].detail == "we only sell BA flights, not LH401"
    assert "broken_lookup could not be called" in child.tool_calls[4].detail
    # Each refusal and the TypeError ran once: nothing retried them.
    assert CALLS == ["find_flights", "hold_seat", "hold_seat", "hold_seat", "broken_lookup"]
    assert all(run.attempt == 1 for run in runs)


class Args(BaseModel):
    x: int


def _defining(**decorator: Any) -> Any:
    def define(handler: Any) -> None:
        ToolSet().tool(**decorator)(handler)

    return define


def no_doc(x: int) -> int:
    return x


def documented(x: int) -> socket.socket:
    """Opens a socket."""
    return socket.socket()


def one_argument(args: Args) -> dict:
    """Takes only its arguments."""
    return {}


def untyped(x) -> dict:  # type: ignore[no-untyped-def]
    """Has an argument without a type."""
    return {}


def star(*parts: str) -> dict:
    """Takes any number of parts."""
    return {}


@pytest.mark.parametrize(
    ("decorator", "handler", "message"),
    [
        ({"risk": "reed"}, documented, "tool 'documented': risk 'reed' is not one of read"),
        ({}, documented, "tool 'documented': risk None is not one of read, write, irreversible"),
        ({"risk": "read"}, no_doc, "tool 'no_doc' has no description: give it a docstring"),
        ({"risk": "read"}, documented, "tool 'documented': it returns socket, which cannot be"),
        (
            {"risk": "read", "args": Args},
            one_argument,
            "tool 'one_argument': with args=Model the function must take (args, ctx)",
        ),
        ({"risk": "read"}, untyped, "tool 'untyped': argument 'x' has no type hint"),
        ({"risk": "read"}, star, "tool 'star': *parts cannot be a tool argument"),
        (
            {"risk": "read", "business_errors": ("nope",)},
            one_argument,
            "business_errors lists 'nope', not an exception type",
        ),
        ({"risk": "read", "name": "no way"}, one_argument, "must be a Python identifier"),
    ],
)
def test_a_tool_written_wrong_fails_at_definition_in_one_line(
    decorator: dict, handler: Any, message: str
) -> None:
    with pytest.raises(ToolDefinitionError) as bad:
        _defining(**decorator)(handler)
    assert message in str(bad.value) and "\n" not in str(bad.value), str(bad.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Agent("a", description="d", instructions="i", max_steps=500),
            "agent 'a': max_steps: Input should be less than or equal to 200",
        ),
        (
            lambda: Agent("a", description="", instructions="i"),
            "agent 'a': description: String should have at least 1 character",
        ),
        (
            lambda: Route(pattern="(", agents=["a"]),
            "route '(': pattern: route pattern '(' is not a regular expression",
        ),
    ],
)
def test_agents_and_routes_out_of_bounds_fail_in_one_line(build: Any, message: str) -> None:
    with pytest.raises(SpecError) as bad:
        build()
    assert str(bad.value).startswith(message) and "\n" not in str(bad.value), str(bad.value)


def test_max_steps_fits_a_thirteen_call_task() -> None:
    assert TRAVEL.max_steps >= 14
