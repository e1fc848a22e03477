"""What an agent tells its supervisor about approvals: a request opened, a decision audited,
an approval settled (with lean bookkeeping, a decision that settles is both, in one notice).
The agent is the authority on its approvals; the supervisor keeps a view for routing
decisions, its queries and the Web UI.

Anyone with namespace access can send a workflow a signal, so a notice says which agent sent
it (the supervisor takes notices from its own children only) and, when decisions are signed
(RELAY_APPROVAL_SECRET), carries an HMAC made by the agent's worker that the supervisor checks:
then nobody without the secret can add, hide or settle an approval in the supervisor's view.
"""

from typing import Literal

from pydantic import BaseModel

from relay.agents.approvals import (
    ApprovalRecord,
    DecisionAudit,
    PendingApproval,
    signature_for,
    signature_matches,
)
from relay.agents.internal import InternalModel


class Decided(BaseModel):
    """A decision that settled an approval: its audit entry and the settlement, in one notice
    (runs before RunConfig.lean_bookkeeping sent them as an `audited` and a `settled`)."""

    audit: DecisionAudit
    record: ApprovalRecord


class Consulting(BaseModel):
    """An agent starts an agent it consults (agents/consults.py): the supervisor takes that
    run's notices as an agent's of this goal."""

    workflow_id: str


NoticeKind = Literal["requested", "settled", "audited", "decided", "consulting"]
BODIES: dict[str, type[BaseModel]] = {
    "requested": PendingApproval,
    "settled": ApprovalRecord,
    "audited": DecisionAudit,
    "decided": Decided,
    "consulting": Consulting,
}


class AgentNotice(InternalModel):
    kind: NoticeKind
    sender: str  # the agent's workflow id
    body: str  # the PendingApproval, ApprovalRecord or DecisionAudit, as JSON
    mac: str | None = None


def notice_text(sender: str, kind: str, body: str) -> bytes:
    return f"relay-notice\n{sender}\n{kind}\n{body}".encode()


def notice_mac(secret: str, sender: str, kind: str, body: str) -> str:
    return signature_for(secret, notice_text(sender, kind, body))


def notice_authentic(secret: str, notice: AgentNotice) -> bool:
    return notice.mac is not None and signature_matches(
        secret, notice_text(notice.sender, notice.kind, notice.body), notice.mac
    )
