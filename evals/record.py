"""`relay eval record`: a finished run becomes a regression case. Its goal, context and
requester; the tool calls that happened (in order, with their arguments and outcomes); the
decisions people made; its final status; and every model answer as a `scripted` replay, so the
case re-runs offline against the current code and says where relay now behaves differently.

Everything comes from the supervisor's own history (a workflow id on the server, or a file
from `temporal workflow show -o json`): the planner's and synthesizer's answers from its `llm`
activities, each agent's answers rebuilt from its result (the calls of each step, then its
answer).
"""

import re
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from relay.agents.llm_models import LlmRequest, LlmResponse
from relay.agents.models import AgentResult, GoalRequest, GoalResult
from relay.evals.cases import ApprovalExpectation, EvalCase, ToolExpectation
from relay.testing.scripted import Script, ScriptedCall, ScriptedReply


class RecordError(ValueError):
    """A history that cannot become a case; one line."""


async def _decoded(converter: DataConverter, payloads: Any, kind: type) -> Any:
    [value] = await converter.decode(payloads.payloads, [kind])
    return value


def _agent_replies(agent: AgentResult) -> list[ScriptedReply]:
    """The agent's model answers: one per step that called tools, then its final answer."""
    steps = sorted({c.step for c in agent.tool_calls})
    replies = [
        ScriptedReply(
            tool_calls=[
                ScriptedCall(name=c.tool, arguments=c.arguments)
                for c in agent.tool_calls
                if c.step == step
            ]
        )
        for step in steps
    ]
    return [*replies, ScriptedReply(content=agent.answer)]


async def case_from_history(history: WorkflowHistory, converter: DataConverter) -> EvalCase:
    request: GoalRequest | None = None
    result: GoalResult | None = None
    asked: dict[int, LlmRequest] = {}
    script = Script()
    agents: list[AgentResult] = []
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = event.workflow_execution_started_event_attributes
            if started.workflow_type.name != "SupervisorWorkflow":
                raise RecordError(f"{history.workflow_id} is not a goal (a SupervisorWorkflow)")
            request = await _decoded(converter, started.input, GoalRequest)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name == "llm":
                asked[event.event_id] = await _decoded(converter, scheduled.input, LlmRequest)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            llm = asked.get(done.scheduled_event_id)
            if llm is not None:
                answer = await _decoded(converter, done.result, LlmResponse)
                reply = ScriptedReply(
                    content=answer.content,
                    tool_calls=[
                        ScriptedCall(name=c.name, arguments=c.arguments) for c in answer.tool_calls
                    ],
                )
                if llm.purpose == "plan":
                    script.plan.append(reply)
                elif llm.purpose == "synthesize":
                    script.synthesize.append(reply)
        elif kind == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
            done_child = event.child_workflow_execution_completed_event_attributes
            agents.append(await _decoded(converter, done_child.result, AgentResult))
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            finished = event.workflow_execution_completed_event_attributes
            result = await _decoded(converter, finished.result, GoalResult)
    if request is None:
        raise RecordError(f"the history of {history.workflow_id} has no start event")
    if result is None:
        raise RecordError(f"{history.workflow_id} has not completed; record a finished goal")
    tags = ["recorded"]
    for agent in agents:
        if agent.agent in script.agents:
            tags.append(f"{agent.agent} ran twice: only its first task is scripted")
            continue
        script.agents[agent.agent] = _agent_replies(agent)
    # In task order, as the harness lists a run's calls (agents may finish in another order).
    by_workflow = {agent.workflow_id: agent for agent in agents}
    calls = [
        call
        for task in result.tasks
        if task.workflow_id in by_workflow
        for call in by_workflow[task.workflow_id].tool_calls
    ]
    slug = re.sub(r"[^a-z0-9]+", "-", history.workflow_id.lower()).strip("-")[:70]
    return EvalCase(
        id=f"recorded-{slug}",
        goal=request.goal,
        context=request.context,
        requested_by=request.requested_by,
        tags=tags,
        status=result.status,
        tools=[
            ToolExpectation(tool=c.tool, arguments=c.arguments, outcome=c.outcome) for c in calls
        ],
        tools_in_order=True,
        approvals=[
            ApprovalExpectation(
                tool=a.tool, decision="approve" if a.verdict == "approved" else "reject"
            )
            for a in result.approvals
        ],
        script=script,
    )
