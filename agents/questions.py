"""`ask_human`: relay's own tool for an agent that needs the requester's answer to go on. It is
not an activity: the agent's workflow asks (a pending approval of kind "question", listed and
answered like one) and waits durably for the answer. Only agents that list it may use it."""

from pydantic import BaseModel, Field

from relay.agents.tool_models import ToolInfo

ASK_HUMAN = "ask_human"
QUESTION_MAX_CHARS = 1000
# Questions one agent run may ask: a model that keeps asking is told to go on with what it has.
MAX_QUESTIONS = 3


class AskHumanArgs(BaseModel):
    question: str = Field(
        min_length=1,
        max_length=QUESTION_MAX_CHARS,
        description="one clear question for the person who asked for this goal",
    )


ASK_HUMAN_TOOL = ToolInfo(
    name=ASK_HUMAN,
    description="Ask the person who started the goal a question and wait for the answer. "
    "Only when you cannot go on without it.",
    parameters=AskHumanArgs.model_json_schema(),
    risk="read",
)
