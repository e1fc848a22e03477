"""Typed answers: an agent's or an app's final answer validated against a pydantic model.

The model class stays on the worker (it is code); runs carry its JSON schema, which the model
is shown, and a worker's `check_answer` activity validates an answer against the class.
"""

import json
from typing import Any

from pydantic import BaseModel, ValidationError

# A schema travels in every agent task of a run (history): bounded like a tool's.
MAX_SCHEMA_BYTES = 8 * 1024
MAX_ERRORS_SHOWN = 3
OUTPUT_REASKS = 1  # an answer that does not validate is sent back this many times


class AnswerCheck(BaseModel):
    """Check `answer` against the output model of `agent` (None: the app's own)."""

    agent: str | None = None
    answer: str


class AnswerVerdict(BaseModel):
    output: Any = None  # the validated answer as JSON data, when it validated
    error: str | None = None  # why it did not, for the model and for people


def output_schema(output: object, what: str) -> dict[str, Any]:
    """The JSON schema of an output model, or a ValueError in one line naming `what`."""
    if not (isinstance(output, type) and issubclass(output, BaseModel)):
        raise ValueError(f"{what}: output must be a pydantic model class, not {output!r}")
    schema = output.model_json_schema()
    size = len(json.dumps(schema))
    if size > MAX_SCHEMA_BYTES:
        raise ValueError(
            f"{what}: output model {output.__name__}'s JSON schema is {size} bytes; "
            f"at most {MAX_SCHEMA_BYTES}"
        )
    return schema


def checked_answer(model: type[BaseModel], answer: str) -> AnswerVerdict:
    """The answer validated against the model: its JSON data, or the errors in short."""
    try:
        value = model.model_validate_json(strip_fences(answer))
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}"
            for e in err.errors(include_input=False)[:MAX_ERRORS_SHOWN]
        ]
        more = err.error_count() - len(problems)
        tail = f" (and {more} more)" if more > 0 else ""
        return AnswerVerdict(error=f"not a valid {model.__name__}: {'; '.join(problems)}{tail}")
    return AnswerVerdict(output=value.model_dump(mode="json"))


def strip_fences(text: str) -> str:
    """Models often wrap JSON in ``` fences; the JSON is what is inside."""
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text


def output_rule(schema: dict[str, Any]) -> str:
    """What a typed agent or synthesis is told about the form of its final answer."""
    return (
        "Your final answer (a reply without tool calls) must be only a JSON value matching "
        f"this JSON schema, no other text: {json.dumps(schema, separators=(',', ':'))}"
    )


def output_reask(error: str) -> str:
    return f"That answer is {error}. Answer again with only the JSON the schema asks for."
