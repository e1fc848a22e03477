"""Helpers for an app's rule-based `scripted` behaviour (App(scripted=...)): one brain per
agent, dispatched by what the model is asked for, and the agents' results in a synthesis
prompt, as a model would read them."""

import re
from collections.abc import Mapping

from relay.agents.llm_models import LlmRequest, ToolCall
from relay.testing.scripted import Brain

_RESULT = re.compile(r"<result from='(\w+)' task='[^']*'>\n(.*?)\n</result>", re.S)


def upstream_results(request: LlmRequest) -> list[tuple[str, str]]:
    """(agent, answer) of each agent result in the request's first user message (a synthesis
    prompt, whose answers start with the task's status, e.g. `[completed] `; or a task's
    upstream results), in order."""
    prompt = next((m.content for m in request.messages if m.role == "user"), "")
    return _RESULT.findall(prompt)


def agents_brain(agents: Mapping[str, Brain], plan: Brain, synthesize: Brain) -> Brain:
    """One brain for an app: the planner's, the synthesis', each agent's by name; a grounding
    re-ask (`verify`) repeats the agent's last answer (a rule-based brain has nothing better)."""

    def respond(request: LlmRequest) -> tuple[str, list[ToolCall]]:
        if request.purpose == "plan":
            return plan(request)
        if request.purpose == "synthesize":
            return synthesize(request)
        if request.purpose == "verify":
            previous = [m.content for m in request.messages if m.role == "assistant"]
            return (previous[-1] if previous else ""), []
        brain = agents.get(request.agent)
        if brain is None:
            return f"The scripted model has no behaviour for agent {request.agent!r}.", []
        return brain(request)

    return respond
