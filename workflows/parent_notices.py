"""An agent telling its supervisor about its approvals (agents/notices.py): one signal per
notice, signed by a worker when decisions are signed. Workflow code: deterministic."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from relay.agents.models import AgentTask
    from relay.agents.notices import AgentNotice

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
