"""Typed answers in workflow code: ask a worker to validate an answer against its output model
(`check_answer`), and the messages that send an invalid one back. Deterministic: the verdict
comes from an activity and is kept in history."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import Message
    from relay.agents.typed_output import AnswerCheck, AnswerVerdict, output_reask

CHECK_TIMEOUT = timedelta(seconds=30)
CHECK_RETRY = RetryPolicy(maximum_attempts=3, non_retryable_error_types=["NoOutputModel"])


async def check_answer(agent: str | None, answer: str) -> AnswerVerdict:
    """The verdict on an answer; one that cannot be checked is an error, not a failed run."""
    try:
        return await workflow.execute_activity(
            "check_answer",
            AnswerCheck(agent=agent, answer=answer),
            result_type=AnswerVerdict,
            start_to_close_timeout=CHECK_TIMEOUT,
            retry_policy=CHECK_RETRY,
            summary=f"check answer · {agent or 'goal'}",
        )
    except ActivityError as err:
        return AnswerVerdict(error=f"not checked: {err.cause or err}")


def sent_back(answer: str, error: str) -> list[Message]:
    """The invalid answer and the request to answer again, for the model's next turn."""
    return [
        Message(role="assistant", content=answer),
        Message(role="user", content=output_reask(error)),
    ]


def unverified_text(answer: str, error: str) -> str:
    return f"{answer} [unverified: the answer is {error}]"
