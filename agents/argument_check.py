"""A tool call's arguments against its tool's JSON schema, in one line a model can correct.
Pure: workflow code checks runs whose tasks carry the schemas; the LLM activity checks the
calls of runs whose tools go by reference, where the schemas are."""

from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from relay.agents.llm_models import ToolCall, ToolSchema


class ArgumentCheck(BaseModel):
    """Edited arguments of a call, to check against the schema of a run's tool by reference."""

    tools_digest: str = Field(max_length=64)
    tool: str = Field(max_length=200)
    arguments: dict[str, Any]


class ArgumentVerdict(BaseModel):
    error: str | None = None  # the schema's violations; None: valid


def schema_errors(parameters: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """All violations, ordered by where they are; None when the arguments are valid."""
    errors = sorted(
        Draft202012Validator(parameters).iter_errors(arguments), key=lambda e: list(e.path)
    )
    if not errors:
        return None
    return "; ".join(
        f"{'.'.join(str(p) for p in e.path) or 'arguments'}: {e.message}" for e in errors
    )


def invalid_calls(tools: Sequence[ToolSchema], calls: Sequence[ToolCall]) -> dict[int, str]:
    """Each call (by its index) whose arguments break its tool's schema. A call of a tool not
    among `tools` is left to the workflow, which refuses it by name."""
    schemas = {t.name: t.parameters for t in tools}
    invalid = {}
    for index, call in enumerate(calls):
        if call.name in schemas and (errors := schema_errors(schemas[call.name], call.arguments)):
            invalid[index] = errors
    return invalid
