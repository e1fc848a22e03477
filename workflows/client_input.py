"""What clients send (goals, decisions), checked against its shape and size limits before
anything is stored or forwarded. Workflow inputs, signals and updates take their input loosely
(`Model | Any`), so a malformed one is refused with a reason naming the field instead of failing
to decode on every workflow task. Pure code."""

import json
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel, ValidationError

    from relay.agents.approvals import AUDIT_FIELD_CHARS, ApprovalDecision

Model = TypeVar("Model", bound=BaseModel)


def read_input(model: type[Model], raw: Any, what: str = "decision") -> Model | str:
    """The input, or what is wrong with it, in one line naming the field."""
    if isinstance(raw, model):
        return raw
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or f"the {what}"
        return f"malformed {what}: {where}: {first['msg']}"


def clip(value: Any) -> str:
    """A bounded text of whatever a client sent, for the audit."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= AUDIT_FIELD_CHARS:
        return text
    return f"{text[:AUDIT_FIELD_CHARS]}… ({len(text)} characters)"


def clipped(raw: Any) -> ApprovalDecision:
    """What the audit keeps of a decision refused as malformed: its fields, cut short."""
    fields = raw if isinstance(raw, dict) else {}
    reason = fields.get("reason")
    return ApprovalDecision.model_construct(
        approval_id=clip(fields.get("approval_id", "")),
        approver=clip(fields.get("approver", "")),
        reason=None if reason is None else clip(reason),
        decision_id=None,
    )
