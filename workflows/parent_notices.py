"""An agent telling its supervisor about its approvals (agents/notices.py): one signal per
notice, signed by a worker when decisions are signed. Workflow code: deterministic."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from relay.agents.approvals import ApprovalRecord, DecisionAudit
    from relay.agents.models import AgentTask
    from relay.agents.notices import AgentNotice, Decided

NOTICE_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=1))


async def tell_parent(task: AgentTask | None, kind: str, body: BaseModel) -> None:
    """A notice to the supervisor; nothing when the agent runs on its own."""
    if task is None or not task.parent_workflow_id:
        return
    notice = AgentNotice.model_validate(
        {"kind": kind, "sender": workflow.info().workflow_id, "body": body.model_dump_json()}
    )
    if task.signed_decisions:
        notice = await workflow.execute_activity(
            "sign_notice",
            notice,
            result_type=AgentNotice,
            start_to_close_timeout=timedelta(seconds=10),
            summary=f"sign {kind} notice",
            retry_policy=NOTICE_RETRY,
        )
    parent = workflow.get_external_workflow_handle(task.parent_workflow_id)
    await parent.signal("agent_notice", notice)


def lean(task: AgentTask | None) -> bool:
    return task is not None and task.lean_bookkeeping


async def tell_decision(
    task: AgentTask | None, entry: DecisionAudit, settled: ApprovalRecord | None
) -> None:
    """A decision the agent audited, and what it settled if it did. A lean run says both in
    one notice; an older run says `audited` here and `settled` once the approval's wait ends,
    as its history recorded."""
    if lean(task) and settled is not None:
        await tell_parent(task, "decided", Decided(audit=entry, record=settled))
    else:
        await tell_parent(task, "audited", entry)
