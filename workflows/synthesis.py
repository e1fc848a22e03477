"""The goal's final answer: the agents' results written up by a model, validated against the
app's output model when it has one (sent back once with the errors). Workflow code."""

from dataclasses import dataclass
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import LlmRequest, Message
    from relay.agents.models import TaskReport, UpstreamResult
    from relay.agents.prompts import synthesis_prompt
    from relay.agents.typed_output import OUTPUT_REASKS, output_rule

from relay.workflows.model_call import Ask
from relay.workflows.typed_answer import check_answer, sent_back


@dataclass
class Synthesis:
    answer: str
    output: Any = None  # the typed answer's data (App.output)
    warning: str | None = None  # why a typed answer has no output


async def synthesize(
    goal: str,
    reports: list[TaskReport],
    route: str,
    ask: Ask,
    schema: dict[str, Any] | None,
    spent: str | None,
) -> Synthesis:
    """`spent`: why the budget leaves no room for a model call (None: it does)."""
    results = [
        UpstreamResult(task_id=r.id, agent=r.agent, answer=f"[{r.status}] {r.result}")
        for r in reports
    ]
    if spent is not None:  # the task results speak for the goal
        lines = "\n".join(f"- {r.task_id} ({r.agent}): {r.answer}" for r in results)
        return Synthesis(f"Stopped before the final summary: {spent}. Task results:\n{lines}")
    prompt = synthesis_prompt(goal, results)
    if schema is not None:
        prompt += "\n" + output_rule(schema)
    messages = [Message(role="user", content=prompt)]
    attempt = 0
    while True:
        attempt += 1
        answer = await ask(
            route,
            LlmRequest(
                model=route,
                purpose="synthesize",
                agent="supervisor",
                step=attempt if schema is not None else 0,
                messages=messages,
                response_schema=schema,
            ),
            "synthesize" if attempt == 1 else f"synthesize · try {attempt}",
        )
        if schema is None:
            return Synthesis(answer)
        verdict = await check_answer(None, answer)
        if verdict.error is None:
            return Synthesis(answer, verdict.output)
        if attempt > OUTPUT_REASKS:
            return Synthesis(answer, warning=f"the goal's answer is {verdict.error}")
        messages += sent_back(answer, verdict.error)
