"""Short-term memory: an agent's model input stays within a token window however long its
conversation runs. Past the window, the older turns are folded into a running summary made by
a model call (an `llm` activity with purpose `summarize`, recorded in history, so replay is
deterministic); the opening (instructions and the task) and the latest turns stay word for
word, and the facts grounding checks stay listed in the summary (and in the agent's evidence,
which grounding reads, whatever the window holds).

Tokens are estimated as characters / 4: deterministic, and close enough to size a window.
"""

import json

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.carry import AgentCarry
    from relay.agents.llm_models import LlmRequest, Message
    from relay.agents.models import AgentTask
    from relay.agents.prompts import (
        SUMMARY_TAG,
        summary_message,
        summary_request,
        with_tool_output_body,
    )

from relay.workflows.model_call import ask_model

OPENING = 2  # the system message and the task
FACTS_SHOWN = 200  # facts listed in the summary, the latest first
# A model call's messages, in UTF-8 bytes: half Temporal's 2 MB payload limit, leaving room for
# the request's other fields and the escaping of JSON inside JSON.
MAX_INPUT_BYTES = 1_000_000


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
    """Fold the older turns into the summary when the messages outgrow the window; and, in any
    case, keep them within what one model call's input may carry."""
    await _fold(state, task)
    state.messages = within_payload_limit(state.messages)


def within_payload_limit(messages: list[Message], limit: int = MAX_INPUT_BYTES) -> list[Message]:
    """Last resort, for turns the window cannot fold (the latest turn is kept whole): when the
    messages pass `limit` bytes, the largest tool results make way for a note, largest
    first. Otherwise many large results of one turn (each under the stored-by-reference
    limit) would make a model call's input too large for Temporal, and the agent's workflow
    task would fail on every retry."""
    sizes = [len(m.content.encode()) for m in messages]
    total = sum(sizes)
    if total <= limit:
        return messages
    kept = list(messages)
    results = [i for i, m in enumerate(kept) if m.role == "tool"]
    for index in sorted(results, key=lambda i: -sizes[i]):
        if total <= limit:
            break
        note = json.dumps(
            {
                "dropped": f"this result ({sizes[index]} bytes) was dropped from the "
                "conversation: with the other results it passed what one model call can "
                "carry; ask for less at a time"
            }
        )
        replaced = with_tool_output_body(kept[index].content, note)
        total -= sizes[index] - len(replaced.encode())
        kept[index] = kept[index].model_copy(update={"content": replaced})
    return kept


async def _fold(state: AgentCarry, task: AgentTask) -> None:
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
