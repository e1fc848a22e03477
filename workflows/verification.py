"""The grounding check between an agent's answer and the synthesis: ids and amounts it reports
must be in what its tools returned. Ungrounded claims are re-asked once with the evidence; what
stays ungrounded marks the task `unverified`, and dependent tasks do not build on it."""

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import LlmRequest, Message
    from relay.agents.models import AgentResult, AgentTask
    from relay.agents.prompts import agent_opening, regrounding_prompt

from relay.workflows.grounding import ungrounded
from relay.workflows.model_call import Ask
from relay.workflows.typed_answer import check_answer

UNANSWERED_PATCH = "unanswered-reask-is-unverified"  # older runs failed the goal there
CHECKED = ("completed", "rejected")  # answers written by the model, which later tasks read


async def grounded(result: AgentResult, task: AgentTask, ask: Ask) -> AgentResult:
    if result.status not in CHECKED:
        return result
    missing = ungrounded(result.answer, set(result.evidence), task.id_pattern)
    if not missing:
        return result
    workflow.logger.warning("%s reported ungrounded %s; re-asking once", task.agent, missing)
    try:
        answer = await ask(
            task.model,
            LlmRequest(
                model=task.model,
                purpose="verify",
                agent=task.agent,
                messages=[
                    *agent_opening(task),
                    Message(role="assistant", content=result.answer),
                    Message(role="user", content=regrounding_prompt(missing, result.evidence)),
                ],
            ),
            f"verify · {task.agent}",
        )
    except (ActivityError, ApplicationError) as err:
        if not workflow.patched(UNANSWERED_PATCH):
            raise
        # No model answered the re-ask: the answer stays as it was, and so unverified.
        workflow.logger.warning("%s: the re-ask got no answer: %s", task.agent, err)
        answer = result.answer
    output = result.output
    if task.output_schema is not None and answer != result.answer:
        verdict = await check_answer(task.agent, answer)  # a typed answer must stay typed
        answer, output = (result.answer, output) if verdict.error else (answer, verdict.output)
    still = ungrounded(answer, set(result.evidence), task.id_pattern)
    if not still:
        return result.model_copy(update={"answer": answer, "output": output})
    flag = f"[unverified: {', '.join(still)} not found in {task.agent}'s tool results]"
    update = {"status": "unverified", "answer": f"{answer} {flag}", "output": None}
    return result.model_copy(update=update)
