"""The app `make bench-limits` serves: one agent that sends one notice per goal through a tool
limited to BENCH_TOOL_RATE (default 10/minute, waits up to 60 s for its slot). Each notice that
went out is appended, with the time it went, to the file BENCH_SENT names, so the benchmark
checks every window from what really happened."""

import os
import time
from typing import Any

from relay import Agent, App, ToolContext, ToolSet
from relay.testing import LlmRequest, ToolCall, tool_output_body, upstream_results

TOOLS = ToolSet()


@TOOLS.tool(risk="write", rate=os.environ.get("BENCH_TOOL_RATE", "10/minute"), rate_wait_seconds=60)
def send_notice(user: str, ctx: ToolContext) -> dict[str, Any]:
    """Send a notice to a user."""
    with open(os.environ["BENCH_SENT"], "a") as sent:
        sent.write(f"{time.time()} {user}\n")
    return {"sent_to": user}


NOTIFIER = Agent(
    "notifier",
    description="Sends notices.",
    instructions="Send the notice the goal asks for.",
    tools=[send_notice],
)


def respond(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    if request.purpose != "agent":
        return next((answer for _, answer in upstream_results(request)), ""), []
    done = [tool_output_body(m.content) for m in request.messages if m.role == "tool"]
    if not done:
        user = request.messages[1].content.split("Notify ")[1].split()[0]
        return "", [ToolCall(id="n1", name="send_notice", arguments={"user": user})]
    return done[0], []


APP = App("limits", agents=[NOTIFIER], tools=TOOLS, model="scripted", scripted=respond)
