"""Signatures of approval decisions and of agents' notices to their supervisor. The secret
stays on the worker: the workflow asks these activities, and the answer, recorded in history,
keeps replays deterministic even after the secret is rotated."""

from pydantic import SecretStr
from temporalio import activity

from relay.agents.approvals import (
    SignatureCheck,
    SignatureVerdict,
    signature_matches,
    signed_text,
)
from relay.agents.notices import AgentNotice, notice_authentic, notice_mac


class ApprovalActivities:
    def __init__(self, secret: SecretStr | None) -> None:
        self._secret = secret

    @activity.defn(name="verify_decision")
    async def verify_decision(self, check: SignatureCheck) -> SignatureVerdict:
        if self._secret is None:
            return SignatureVerdict(refusal="this worker has no RELAY_APPROVAL_SECRET to check it")
        if not check.signature or check.expires_at is None:
            return SignatureVerdict(refusal="the decision is not signed")
        text = signed_text(
            check,
            check.verdict,
            check.approver,
            check.expires_at,
            check.edited_arguments,
            check.answer,
        )
        if not signature_matches(self._secret.get_secret_value(), text, check.signature):
            return SignatureVerdict(
                refusal="the signature does not match this decision (forged or altered, or "
                "signed for another run, request or call)"
            )
        return SignatureVerdict()

    @activity.defn(name="sign_notice")
    async def sign_notice(self, notice: AgentNotice) -> AgentNotice:
        """An agent's notice to its supervisor, with the worker-held secret's HMAC."""
        if self._secret is None:
            return notice
        mac = notice_mac(self._secret.get_secret_value(), notice.sender, notice.kind, notice.body)
        return notice.model_copy(update={"mac": mac})

    @activity.defn(name="verify_notice")
    async def verify_notice(self, notice: AgentNotice) -> bool:
        """Whether a notice was made by a worker holding the secret."""
        return self._secret is not None and notice_authentic(
            self._secret.get_secret_value(), notice
        )
