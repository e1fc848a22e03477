"""An agent's working state: what its workflow keeps between turns, and what it carries into
its next run when its history grows long (continue-as-new)."""

from typing import Any

from pydantic import BaseModel, Field

from relay.agents.approvals import ApprovalRecord, DecisionAudit
from relay.agents.llm_models import Message, Usage
from relay.agents.models import (
    AgentResult,
    AgentStatus,
    AgentTask,
    Lease,
    ToolCallRecord,
    TurnRecord,
)
from relay.agents.tool_models import CompletedEffect


class AgentCarry(BaseModel):
    messages: list[Message] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    models: list[str] = Field(default_factory=list)
    switches: list[str] = Field(default_factory=list)
    refused_servers: dict[str, str] = Field(default_factory=dict)
    records: list[ToolCallRecord] = Field(default_factory=list)
    turns: list[TurnRecord] = Field(default_factory=list)
    effects: list[CompletedEffect] = Field(default_factory=list)
    steps: int = 0
    escalations: int = 0
    questions: int = 0  # asked of the requester (ask_human), bounded by MAX_QUESTIONS
    handed_off_from: list[str] = Field(default_factory=list)  # agents this run was before
    lease: Lease = Field(default_factory=lambda: Lease(max_steps=0))
    # Why the context holds untrusted content (None while it does not): from then on every
    # write needs a human decision.
    tainted_by: str | None = None
    evidence: set[str] = Field(default_factory=set)  # ids and amounts its inputs and tools held
    decided: list[ApprovalRecord] = Field(default_factory=list)
    audit: list[DecisionAudit] = Field(default_factory=list)
    refusals_omitted: int = 0  # refused decisions dropped from the audit, counted
    runs: int = 1  # this run and the ones it continues
    output_reasks: int = 0  # typed answers sent back for not validating

    def result(
        self,
        task: AgentTask,
        status: AgentStatus,
        answer: str,
        approvals: list[ApprovalRecord],
        info: Any,
        output: Any = None,
    ) -> AgentResult:
        """The agent's result from its working state (`info`: the workflow's info)."""
        return AgentResult(
            task_id=task.task_id,
            agent=task.agent,
            status=status,
            answer=answer,
            steps=self.steps,
            usage=self.usage,
            models=self.models,
            tool_calls=self.records,
            turns=self.turns,
            runs=self.runs,
            approvals=approvals,
            workflow_id=info.workflow_id,
            model_switches=self.switches,
            refused_servers=self.refused_servers,
            effects=self.effects,
            evidence=sorted(self.evidence),
            output=output,
            handed_off_from=self.handed_off_from,
        )
