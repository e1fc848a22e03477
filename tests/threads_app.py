"""A one-agent app for thread tests whose scripted brain remembers only what the prompt shows:
told "I prefer green" in one goal, it answers "which colour do I prefer?" in a later goal of the
same thread from the earlier turn the thread hands it, and says it does not know otherwise."""

import json
import re

from relay import Agent, App
from relay.testing import LlmRequest, ToolCall, upstream_results

CONCIERGE = Agent(
    "concierge",
    description="Answers the customer, remembering what they said earlier in the conversation.",
    instructions="Answer the customer's question.",
)


def concierge_answer(request: LlmRequest) -> str:
    """The goal's answer: the concierge's own, without the status the synthesis prompt adds."""
    answers = [a for agent, a in upstream_results(request) if agent == "concierge"]
    return re.sub(r"^\[\w+\] ", "", answers[0]) if answers else ""


def _user(request: LlmRequest) -> str:
    return next((m.content for m in request.messages if m.role == "user"), "")


def respond(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    prompt = _user(request)
    if request.purpose == "plan":
        goal = re.search(r"^Goal: (.*)$", prompt, re.M)
        task = {"id": "c", "agent": "concierge", "instruction": goal.group(1) if goal else ""}
        return json.dumps({"tasks": [task]}), []
    if request.purpose != "agent":
        return concierge_answer(request), []
    task = re.search(r"^Task: (.*)$", prompt, re.M)
    asked = task.group(1) if task else ""
    stated = re.search(r"asked: I prefer (\w+)", prompt)
    if asked.startswith("I prefer "):
        return f"Noted: you prefer {asked.removeprefix('I prefer ').rstrip('.')}.", []
    if stated:
        return f"You told me you prefer {stated.group(1)}.", []
    return "I do not know which colour you prefer.", []


THREADED = App("threaded", agents=[CONCIERGE], model="scripted", scripted=respond)
