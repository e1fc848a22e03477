"""A finished goal's answer and result: the synthesis, saying plainly what was not verified
against the tools' results and what was undone, redacted; and everything an auditor reads with
it (tasks, approvals, usage, models, warnings, compensations, decisions). Workflow code."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import DecisionAudit
    from relay.agents.llm_models import Usage
    from relay.agents.models import AgentResult, GoalResult, GoalStatus, TaskReport
    from relay.agents.redaction import Redaction, redact, redact_data
    from relay.agents.tool_models import CompensationRecord

from relay.workflows.compensation import compensation_note
from relay.workflows.synthesis import Synthesis


def goal_result(
    status: GoalStatus,
    synthesis: Synthesis,
    reports: list[TaskReport],
    results: list[AgentResult],
    undone: list[CompensationRecord],
    audit: tuple[list[DecisionAudit], int],
    *,
    usage: Usage,
    models: list[str],
    switches: list[str],
    refused_servers: dict[str, str],
    redaction: Redaction,
) -> GoalResult:
    """`audit`: the goal's decisions and how many past the cap were only counted."""
    answer = synthesis.answer
    unverified = [r for r in reports if r.status == "unverified"]
    if unverified:
        answer += "\n\nNot verified against the tools' results: " + "; ".join(
            f"{r.id} ({r.agent}): {r.result}" for r in unverified
        )
    if undone:
        answer += "\n\n" + compensation_note(undone)
    warnings = [
        f"MCP server {server!r} was refused for the rest of the run: {why}"
        for server, why in refused_servers.items()
    ]
    return GoalResult(
        status=status,
        answer=redact(answer, redaction),
        tasks=reports,
        approvals=[a for r in results for a in r.approvals],
        usage=usage,
        models=models,
        model_switches=switches,
        warnings=warnings + ([synthesis.warning] if synthesis.warning else []),
        compensations=undone,
        audit=audit[0],
        audit_omitted=audit[1],
        output=redact_data(synthesis.output, redaction),
    )
