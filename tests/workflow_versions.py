"""Two versions of a change to the supervisor, for tests/test_versioning.py. A module of its
own: the workflow sandbox re-imports the module a workflow is defined in."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.models import GoalRequest, GoalResult

from relay.workflows.supervisor import SupervisorWorkflow


@workflow.defn(name="SupervisorWorkflow")
class ChangedSupervisor(SupervisorWorkflow):
    """A code change: the supervisor now pauses before it routes the goal."""

    @workflow.run
    async def run(self, request: GoalRequest) -> GoalResult:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(request)


@workflow.defn(name="SupervisorWorkflow")
class PatchedSupervisor(SupervisorWorkflow):
    """The same change, gated: histories recorded before it skip the pause on replay."""

    @workflow.run
    async def run(self, request: GoalRequest) -> GoalResult:
        if workflow.patched("pause-before-routing"):
            await workflow.sleep(timedelta(seconds=1))
        return await super().run(request)
