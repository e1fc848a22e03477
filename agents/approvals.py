"""Approvals: the decision shapes, who may decide, and how a signed decision is bound.

The JSON shapes of ApprovalDecision and PendingApproval are public (other SDKs and the Temporal
CLI send and read them): add optional fields, never rename. Everything here is pure, so the
workflows call it directly.
"""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

Verdict = Literal["approved", "rejected", "expired"]
ANYONE = "*"

# What a client may send in a decision (signals and the `decide` update). Larger decisions are
# refused: a refused one is audited with its fields cut to AUDIT_FIELD_CHARS, never whole.
APPROVAL_ID_MAX_CHARS = 200
APPROVER_MAX_CHARS = 200
REASON_MAX_CHARS = 2000
SIGNATURE_MAX_CHARS = 128
AUDIT_FIELD_CHARS = 200
EDITED_ARGUMENTS_MAX_BYTES = 8 * 1024  # an approver's edited arguments, as JSON
ANSWER_MAX_CHARS = 4000  # a person's answer to an agent's question
# Refused decisions an agent (and the supervisor) keep in full; older ones become a count.
AUDIT_MAX_REFUSED = 50


class ApprovalDecision(BaseModel):
    approval_id: str = Field(max_length=APPROVAL_ID_MAX_CHARS)
    approver: str = Field(max_length=APPROVER_MAX_CHARS)
    reason: str | None = Field(default=None, max_length=REASON_MAX_CHARS)
    # Signed decisions (RELAY_APPROVAL_SECRET): an HMAC binding the fields in `signed_text`,
    # valid until `expires_at`. A signal's sender can claim any approver; a signature cannot.
    expires_at: datetime | None = None
    signature: str | None = Field(default=None, max_length=SIGNATURE_MAX_CHARS)
    # Set by the supervisor when it forwards an update, to find the decision's audit entry.
    decision_id: str | None = Field(default=None, max_length=64)
    # An approval with edits: the call runs with these arguments instead (all of them, not a
    # patch), once the tool's argument model and guard accept them. Signed decisions cover them.
    edited_arguments: dict[str, Any] | None = None
    # The answer to a question an agent asked (`ask_human`); a question's approval carries one.
    answer: str | None = Field(default=None, max_length=ANSWER_MAX_CHARS)

    @field_validator("edited_arguments")
    @classmethod
    def _bounded(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(_canonical(value)) > EDITED_ARGUMENTS_MAX_BYTES:
            raise ValueError(f"edited arguments are over {EDITED_ARGUMENTS_MAX_BYTES} bytes")
        return value


class DecisionRequest(ApprovalDecision):
    """Input of the `decide` update: an ApprovalDecision plus the verdict."""

    approve: bool


class ApprovalsSeen(BaseModel):
    """Input of the `next_approvals` update: the approvals the caller already knows of."""

    approval_ids: list[str] = Field(default_factory=list, max_length=500)

    @field_validator("approval_ids")
    @classmethod
    def _short_ids(cls, ids: list[str]) -> list[str]:
        if any(len(i) > 200 for i in ids):
            raise ValueError("an approval id is at most 200 characters")
        return ids


class PendingApproval(BaseModel):
    approval_id: str
    agent: str
    tool: str
    arguments: dict[str, Any]
    reason: str
    requested_at: datetime
    workflow_id: str = ""
    approvers: list[str] = Field(default_factory=lambda: [ANYONE])  # who may decide
    requested_by: str | None = None  # the goal's requester, who may not decide
    expires_at: datetime | None = None  # relay decides "expired" then
    # What a signed decision is bound to: the agent's run (its first execution's run id, kept
    # across continue-as-new), a nonce of this request, and a digest of the tool and arguments.
    # A decision signed for one run, request or call counts for no other.
    run_id: str = ""
    nonce: str = ""
    call_digest: str = ""
    # "question": an agent asks the goal's requester (`ask_human`); the question is `reason`,
    # an approval with an `answer` answers it, a rejection declines it.
    kind: Literal["approval", "question"] = "approval"


class ApprovalRecord(BaseModel):
    """One decided approval, for the approvals list in AgentResult and GoalResult."""

    approval_id: str
    agent: str
    tool: str
    arguments: dict[str, Any]
    verdict: Verdict
    approver: str
    reason: str | None = None
    requested_at: datetime
    decided_at: datetime
    edited_arguments: dict[str, Any] | None = None  # what ran instead of `arguments`
    answer: str | None = None  # a question's answer
    kind: Literal["approval", "question"] = "approval"


class DecisionAudit(BaseModel):
    """Every decision relay received or made, the refused ones too: who, what, when, why."""

    approval_id: str
    agent: str = ""
    tool: str = ""
    verdict: Verdict  # what the decision asked for
    approver: str
    reason: str | None = None  # the approver's reason
    accepted: bool
    refusal: str | None = None  # why relay did not take it
    signed: bool = False
    at: datetime
    decision_id: str | None = None
    edited_arguments: dict[str, Any] | None = None  # the approver's edits, taken or refused
    answer: str | None = None  # a question's answer, taken or refused


class ApproverRule(BaseModel):
    """Who may decide calls of a tool, or of every tool of a risk. The first match wins."""

    tool: str | None = None
    risk: Literal["read", "write", "irreversible"] | None = None
    approvers: list[str] = Field(min_length=1)  # names, `role:NAME`, or `*` for anyone

    def matches(self, tool: str, risk: str | None) -> bool:
        return (self.tool is None or self.tool == tool) and (self.risk is None or self.risk == risk)


class ApprovalPolicy(BaseModel):
    """Who may approve what (RELAY_APPROVAL_POLICY). Without one, anyone but the requester."""

    roles: dict[str, list[str]] = Field(default_factory=dict)
    rules: list[ApproverRule] = Field(default_factory=list)
    default: list[str] = Field(default_factory=lambda: [ANYONE], min_length=1)

    def approvers_for(self, tool: str, risk: str | None) -> list[str]:
        """The names allowed to decide, roles expanded; [`*`] when anyone may."""
        rule = next((r for r in self.rules if r.matches(tool, risk)), None)
        names: list[str] = []
        for entry in rule.approvers if rule else self.default:
            if entry == ANYONE:
                return [ANYONE]
            role = entry.removeprefix("role:")
            expanded = self.roles.get(role, []) if entry.startswith("role:") else [entry]
            names += [n for n in expanded if n not in names]
        return names


def with_edits(pending: PendingApproval, changes: dict[str, Any]) -> dict[str, Any]:
    """The waiting call's arguments with an approver's changed fields: what would run."""
    return {**pending.arguments, **changes}


def authorization_refusal(pending: PendingApproval, approver: str) -> str | None:
    """Why this approver may not decide this request; None when they may. A question is the
    requester's to answer; an approval anyone's the policy allows but theirs."""
    if not approver.strip():
        return "a decision needs an approver's name"
    if pending.kind == "question":
        if pending.requested_by and approver != pending.requested_by:
            return f"only {pending.requested_by}, who started the goal, answers its questions"
        return None
    if pending.requested_by and approver == pending.requested_by:
        return f"{approver} requested this goal and cannot decide their own {pending.tool}"
    if ANYONE not in pending.approvers and approver not in pending.approvers:
        return (
            f"{approver} is not allowed to decide {pending.tool}; "
            f"allowed: {', '.join(pending.approvers) or 'nobody'}"
        )
    return None


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, default=str).encode()


def call_digest(tool: str, arguments: dict[str, Any]) -> str:
    """A digest of one call: a decision signed for it counts for no other arguments."""
    return hashlib.sha256(_canonical({"tool": tool, "arguments": arguments})).hexdigest()


class DecisionBinding(BaseModel):
    """What a signature binds a decision to, as the approval's own workflow recorded it."""

    workflow_id: str
    run_id: str = ""
    nonce: str = ""
    call_digest: str = ""
    approval_id: str

    @classmethod
    def of(cls, pending: PendingApproval) -> "DecisionBinding":
        return cls(
            workflow_id=pending.workflow_id,
            run_id=pending.run_id,
            nonce=pending.nonce,
            call_digest=pending.call_digest,
            approval_id=pending.approval_id,
        )


def signed_text(
    binding: DecisionBinding,
    verdict: Verdict,
    approver: str,
    expires_at: datetime,
    edited: dict[str, Any] | None = None,
    answer: str | None = None,
) -> bytes:
    """What a decision's signature covers. Newline-separated: no field can contain another.
    Edited arguments and an answer add their digests: a signature made without them does not
    cover them."""
    fields = [
        binding.workflow_id,
        binding.run_id,
        binding.nonce,
        binding.call_digest,
        binding.approval_id,
        verdict,
        approver,
        expires_at.isoformat(),
    ]
    if edited is not None:
        fields.append("edited " + hashlib.sha256(_canonical(edited)).hexdigest())
    if answer is not None:
        fields.append("answer " + hashlib.sha256(answer.encode()).hexdigest())
    return "\n".join(f.replace("\n", " ") for f in fields).encode()


def signature_for(secret: str, text: bytes) -> str:
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def signature_matches(secret: str, text: bytes, signature: str) -> bool:
    return hmac.compare_digest(signature_for(secret, text), signature)


class SignatureCheck(DecisionBinding):
    """Input of the `verify_decision` activity: a decision and what it must be bound to (taken
    from the workflow's own pending approval, never from the sender)."""

    verdict: Verdict
    approver: str
    expires_at: datetime | None = None
    signature: str | None = None
    edited_arguments: dict[str, Any] | None = None
    answer: str | None = None


class SignatureVerdict(BaseModel):
    refusal: str | None = None  # None: the signature is valid


def sign_decision(
    request: DecisionRequest, pending: PendingApproval, secret: str, expires_at: datetime
) -> DecisionRequest:
    """The request with a signature that the run which asked (`pending`) will accept, for
    this request and call only."""
    verdict: Verdict = "approved" if request.approve else "rejected"
    binding = DecisionBinding.of(pending)
    text = signed_text(
        binding, verdict, request.approver, expires_at, request.edited_arguments, request.answer
    )
    return request.model_copy(
        update={"expires_at": expires_at, "signature": signature_for(secret, text)}
    )
