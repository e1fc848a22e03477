"""Planning: ask the model for a Plan, send a malformed or invalid one back with the error,
and give up after a bounded number of re-asks. Workflow code: deterministic."""

from collections.abc import Sequence

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from relay.agents.llm_models import LlmRequest, Message
    from relay.agents.models import INSTRUCTION_MAX_CHARS, Plan, PlannedTask
    from relay.agents.prompts import plan_schema, planning_prompt
    from relay.agents.specs import Agent
    from relay.agents.threads import ThreadTurn
    from relay.agents.typed_output import strip_fences

from relay.workflows.model_call import Ask
from relay.workflows.plan_check import plan_error, renumbered, repeated_ids

# Repeated task ids are renumbered, not sent back (older runs re-asked the model). Asked only
# when ids repeat, so other runs carry no patch marker.
RENUMBER_PATCH = "renumber-repeated-task-ids"


def direct_plan(goal: str, candidates: list[Agent]) -> Plan | None:
    """The goal as the one candidate agent's task, with no model call: a planner choosing among
    one agent adds only ways to fail. None when there are more, or the goal is longer than a
    planned instruction may be (the planner then condenses it)."""
    if len(candidates) != 1 or len(goal) > INSTRUCTION_MAX_CHARS:
        return None
    return Plan(tasks=[PlannedTask(id="t1", agent=candidates[0].name, instruction=goal)])


async def make_plan(
    goal: str,
    context: dict[str, str],
    candidates: list[Agent],
    route: str,
    ask: Ask,
    earlier: Sequence[ThreadTurn] = (),
    cache_seconds: int | None = None,
) -> Plan:
    """Ask for a plan. An answer that is not a Plan is sent back with the validation error
    at most twice; a Plan that is not a valid DAG, once. Then the goal fails."""
    names = [agent.name for agent in candidates]
    prompt = planning_prompt(goal, context, candidates, earlier)
    messages = [Message(role="user", content=prompt)]
    malformed = invalid = 0
    while True:
        attempt = malformed + invalid + 1
        content = await ask(
            route,
            LlmRequest(
                model=route,
                purpose="plan",
                agent="planner",
                step=attempt,
                messages=messages,
                response_schema=plan_schema(names),
                # an earlier answer of the thread may carry untrusted content
                cache_seconds=None if earlier else cache_seconds,
            ),
            f"plan · try {attempt}",
        )
        try:
            plan = Plan.model_validate_json(strip_fences(content))
        except ValidationError as err:
            malformed += 1
            error = f"the answer is not a valid plan: {err.errors()[0]['msg']}"
            if malformed > 2:
                raise ApplicationError(
                    f"planning failed after 2 re-asks: {error}",
                    non_retryable=True,
                    type="PlanInvalid",
                ) from None
        else:
            if repeated_ids(plan) and workflow.patched(RENUMBER_PATCH):
                plan = renumbered(plan)
            error = plan_error(plan, names) or ""
            if not error:
                return plan
            invalid += 1
            if invalid > 1:
                raise ApplicationError(
                    f"planning failed after a re-ask: {error}",
                    non_retryable=True,
                    type="PlanInvalid",
                )
        messages += [
            Message(role="assistant", content=content),
            Message(
                role="user",
                content=f"That plan is invalid: {error}. Answer again with a corrected plan.",
            ),
        ]
