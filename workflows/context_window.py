"""Short-term memory: an agent's model input stays within a token window however long its
conversation runs. Past the window, the older turns are folded into a running summary made by
a model call (an `llm` activity with purpose `summarize`, recorded in history, so replay is
deterministic); the opening (instructions and the task) and the latest turns stay word for
word, and the facts grounding checks stay listed in the summary (and in the agent's evidence,
which grounding reads, whatever the window holds).

Tokens are estimated as characters / 4: deterministic, and close enough to size a window.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.carry import AgentCarry
    from relay.agents.llm_models import LlmRequest, Message
    from relay.agents.models import AgentTask
    from relay.agents.prompts import SUMMARY_TAG, summary_message, summary_request

from relay.workflows.model_call import ask_model

OPENING = 2  # the system message and the task
FACTS_SHOWN = 200  # facts listed in the summary, the latest first


def tokens(message: Message) -> int:
    calls = sum(len(c.name) + len(str(c.arguments)) for c in message.tool_calls)
    return (len(message.content) + calls) // 4 + 4


def _tail_start(messages: list[Message], budget: int) -> int:
    """Where the kept tail begins: the latest whole turns (an assistant message and the tool
    results after it) that fit in `budget` tokens; at least the last turn."""
    used, start = 0, len(messages)
    for index in range(len(messages) - 1, OPENING - 1, -1):
        used += tokens(messages[index])
        if messages[index].role == "assistant":
            if used > budget and start < len(messages):
                break
            start = index
    return start


async def keep_within_window(state: AgentCarry, task: AgentTask) -> None:
    """Fold the older turns into the summary when the messages outgrow the window."""
    window = task.context_tokens
    messages = state.messages
    if window is None or sum(tokens(m) for m in messages) <= window:
        return
    has_summary = len(messages) > OPENING and messages[OPENING].content.startswith(SUMMARY_TAG)
    body = OPENING + (1 if has_summary else 0)
    start = _tail_start(messages, window // 2)
    folded = messages[body:start]
    if not folded:
        return  # one turn fills the window: nothing older to fold
    previous = messages[OPENING].content if has_summary else None
    reply = await ask_model(
        task.model,
        LlmRequest(
            model=task.model,
            purpose="summarize",
            agent=task.agent,
            step=state.steps,
            messages=summary_request(previous, folded, window * 2),
        ),
        summary=f"{task.agent} · summarize {len(folded)} messages",
    )
    state.usage = state.usage.plus(reply.usage)
    facts = sorted(state.evidence)[-FACTS_SHOWN:]
    state.messages = [*messages[:OPENING], summary_message(reply.content, facts), *messages[start:]]
