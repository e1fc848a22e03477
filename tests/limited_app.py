"""A one-agent app with rate-limited tools for the rate limit tests: `send_reset` allows
3/minute per requester, `ping_service` 1/second and waits up to 5 s for its slot. Its scripted
brain does what the goal says ("Reset U-1", "Ping twice") and reports each call's outcome."""

import json
import re
from typing import Any

from relay import Agent, App, ToolContext, ToolSet
from relay.testing import LlmRequest, ToolCall, tool_output_body, upstream_results

LIMITED = ToolSet()


@LIMITED.tool(risk="write", rate="3/minute", per="requester")
def send_reset(user: str, ctx: ToolContext) -> dict[str, Any]:
    """Send a password reset link to a user."""
    return {"sent_to": user}


@LIMITED.tool(risk="read", idempotent=True, rate="1/second", rate_wait_seconds=5)
def ping_service(ctx: ToolContext) -> dict[str, Any]:
    """Ping the service."""
    return {"pong": True}


OPS = Agent(
    "ops",
    description="Sends password resets and pings services.",
    instructions="Do what is asked with your tools.",
    tools=[send_reset, ping_service],
)


def respond(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    if request.purpose != "agent":
        answer = next((answer for _, answer in upstream_results(request)), "")
        return re.sub(r"^\[\w+\] ", "", answer), []  # the goal's answer is the agent's
    prompt = next((m.content for m in request.messages if m.role == "user"), "")
    done = [json.loads(tool_output_body(m.content)) for m in request.messages if m.role == "tool"]
    reset = re.search(r"Reset (U-\d+)", prompt)
    if reset and not done:
        return "", [ToolCall(id="c1", name="send_reset", arguments={"user": reset.group(1)})]
    if "Ping twice" in prompt and len(done) < 2:
        return "", [ToolCall(id=f"c{len(done)}", name="ping_service", arguments={})]
    return "; ".join("ok" if d["ok"] else d["error"] for d in done), []


LIMITED_APP = App("limited", agents=[OPS], tools=LIMITED, model="scripted", scripted=respond)
