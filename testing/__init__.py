"""Test doubles, named as such: the `scripted` model route (canned or rule-based replies)."""

from relay.agents.llm_models import LlmRequest, ToolCall
from relay.agents.prompts import tool_output_body
from relay.testing.scripted import Brain, Script, ScriptedProvider, ScriptedReply

__all__ = [
    "Brain",
    "LlmRequest",
    "Script",
    "ScriptedProvider",
    "ScriptedReply",
    "ToolCall",
    "tool_output_body",
]
