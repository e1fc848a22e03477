"""What the Temporal Web UI shows of a run while it goes: search attributes a person can filter
by, and a markdown progress table as the run's current details. Workflow code: deterministic."""

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import PendingApproval
    from relay.agents.llm_models import Usage
    from relay.agents.pending_memo import PENDING_MEMO, memo_entries
    from relay.agents.progress import GoalProgress
    from relay.agents.search_keys import (
        RELAY_AGENT,
        RELAY_CHAIN,
        RELAY_COST_USD,
        RELAY_PENDING_APPROVALS,
        RELAY_STATUS,
    )


class RunBoard:
    """Publishes one run's agent, status, pending approvals and cost, upserting only changes
    (each upsert is an event in history). In a lean run (RunConfig.lean_bookkeeping) a change
    of cost alone is not published: status and pending approvals are what people filter by,
    and each upsert carries the cost so far (the supervisor's current details show it live)."""

    def __init__(self, agent: str) -> None:
        self._agent = agent
        self._enabled = False
        self._lean = False
        self._shown: tuple[str, int, float] | None = None
        self._memo = False
        self._published: list[str] = []  # approval ids in the memo

    def enable(self, enabled: bool, lean: bool = False, memo: bool = False) -> None:
        self._enabled = enabled
        self._lean = lean
        self._memo = memo  # publish pending approvals in the memo (RunConfig.pending_memo)
        if enabled and lean:  # a run may start with its attributes (start_attributes)
            self._shown = _shown_at_start(workflow.info().typed_search_attributes)

    def show(self, status: str, pending: int, usage: Usage) -> None:
        cost = round(usage.cost_usd or 0.0, 6)
        if not self._enabled or self._shown == (status, pending, cost):
            return
        if self._lean and self._shown is not None and self._shown[:2] == (status, pending):
            return
        updates = [
            RELAY_STATUS.value_set(status),
            RELAY_PENDING_APPROVALS.value_set(pending),
            RELAY_COST_USD.value_set(cost),
        ]
        if self._shown is None:
            updates.append(RELAY_AGENT.value_set(self._agent))
        self._shown = (status, pending, cost)
        workflow.upsert_search_attributes(updates)

    def publish_pending(self, approvals: list[PendingApproval]) -> None:
        """Keep the run's memo listing the approvals it waits on, for the inbox to read from
        visibility (agents/pending_memo.py); an upsert only when they change."""
        ids = [a.approval_id for a in approvals]
        if not (self._enabled and self._memo) or ids == self._published:
            return
        self._published = ids
        workflow.upsert_memo({PENDING_MEMO: memo_entries(approvals)})


def start_attributes(agent: str, lean: bool, chain: str | None) -> TypedSearchAttributes | None:
    """What an agent run starts with: in a lean run its first status, so it needs no upsert
    of its own; in a chain of events the chain, so one query finds every run of the chain."""
    pairs: list[SearchAttributePair] = []
    if lean:
        pairs += [
            SearchAttributePair(RELAY_AGENT, agent),
            SearchAttributePair(RELAY_STATUS, "running"),
            SearchAttributePair(RELAY_PENDING_APPROVALS, 0),
            SearchAttributePair(RELAY_COST_USD, 0.0),
        ]
    if chain is not None:
        pairs.append(SearchAttributePair(RELAY_CHAIN, chain))
    return TypedSearchAttributes(pairs) if pairs else None


def _shown_at_start(attributes: TypedSearchAttributes) -> tuple[str, int, float] | None:
    status = attributes.get(RELAY_STATUS)
    if status is None or attributes.get(RELAY_AGENT) is None:
        return None
    pending = attributes.get(RELAY_PENDING_APPROVALS)
    cost = attributes.get(RELAY_COST_USD)
    return status, pending or 0, cost or 0.0


def progress_table(progress: GoalProgress) -> str:
    """Markdown for the UI's current details: a line per task with its status and cost, the
    approvals waiting for a human, and what the goal has spent so far. The UI's markdown runs
    table cells together and reads `$...$` as math, so: plain lines, and costs in USD."""
    lines = ["**Tasks**"]
    for task in progress.tasks:
        pool = f" · task queue {task.task_queue}" if task.task_queue else ""
        lines.append(f"{task.id} · {task.agent} · {task.status} · {_cost(task.usage)}{pool}")
    if progress.pending:
        lines += ["", "**Waiting for approval**"]
        for p in progress.pending:
            who = ", ".join(p.approvers)
            reason = p.reason.replace("$", "USD ")
            lines.append(f"{p.approval_id}: {p.agent} wants {p.tool} ({reason}); {who}")
    usage = progress.usage
    lines += [
        "",
        f"**Spent so far**: {_cost(usage)}, {usage.llm_calls} LLM calls, "
        f"{usage.input_tokens + usage.output_tokens} tokens",
    ]
    return "\n".join(lines)


def _cost(usage: Usage | None) -> str:
    if usage is None:
        return "-"
    return "unknown" if usage.cost_usd is None else f"{usage.cost_usd:.4f} USD"
