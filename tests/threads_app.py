"""A one-agent app for thread tests whose scripted brain remembers only what the prompt shows:
told "I prefer green" in one goal, it answers "which colour do I prefer?" in a later goal of the
same thread from the earlier turn the thread hands it, and says it does not know otherwise."""

import json
import re

from relay import Agent, App
from relay.testing import LlmRequest, ToolCall

CONCIERGE = Agent(
    "concierge",
    description="Answers the customer, remembering what they said earlier in the conversation.",
    instructions="Answer the customer's question.",
)


def _user(request: LlmRequest) -> str:
    return next((m.content for m in request.messages if m.role == "user"), "")


def respond(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    prompt = _user(request)
    if request.purpose == "plan":
        goal = re.search(r"^Goal: (.*)$", prompt, re.M)
        task = {"id": "c", "agent": "concierge", "instruction": goal.group(1) if goal else ""}
        return json.dumps({"tasks": [task]}), []
    if request.purpose != "agent":  # the goal's answer is the concierge's
        answer = re.search(
            r"<result from='concierge'[^>]*>\n(?:\[\w+\] )?(.*?)\n</result>", prompt, re.S
        )
        return (answer.group(1) if answer else ""), []
    task = re.search(r"^Task: (.*)$", prompt, re.M)
    asked = task.group(1) if task else ""
    stated = re.search(r"asked: I prefer (\w+)", prompt)
    if asked.startswith("I prefer "):
        return f"Noted: you prefer {asked.removeprefix('I prefer ').rstrip('.')}.", []
    if stated:
        return f"You told me you prefer {stated.group(1)}.", []
    return "I do not know which colour you prefer.", []


THREADED = App("threaded", agents=[CONCIERGE], model="scripted", scripted=respond)
