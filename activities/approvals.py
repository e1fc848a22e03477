"""Signature checks for approval decisions. The secret stays on the worker: the workflow asks
this activity, and the answer, recorded in history, keeps replays deterministic even after the
secret is rotated."""

from pydantic import SecretStr
from temporalio import activity

from relay.agents.approvals import SignatureCheck, SignatureVerdict, signature_matches, signed_text


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
            check.workflow_id, check.approval_id, check.verdict, check.approver, check.expires_at
        )
        if not signature_matches(self._secret.get_secret_value(), text, check.signature):
            return SignatureVerdict(
                refusal="the signature does not match this decision (forged or altered)"
            )
        return SignatureVerdict()
