"""`relay status`: a goal as a tree of supervisor -> agents -> model turns, with status, model,
tokens, cost, latency and pending approvals; as text, redrawn with --watch, or as JSON."""

import json

from relay.agents.llm_models import Usage
from relay.agents.models import TurnRecord
from relay.cli.output import cache_note
from relay.client.snapshot import AgentNode, GoalSnapshot
from relay.temporal.goal_history import CallView, UndoView


def render(shot: GoalSnapshot) -> str:
    so_far = " so far" if shot.running else ""
    pinned = f" · {shot.deployment}" if shot.deployment else ""
    lines = [f"{shot.workflow_id} · {shot.status} · {_spent(shot.usage)}{so_far}{pinned}"]
    if shot.no_worker:
        lines.append(
            f"(no worker polls task queue {shot.no_worker!r}: read from history; the goal "
            "goes on when a worker returns)"
        )
    if shot.error:
        lines.append(f"└── failed: {shot.error}")
    for index, node in enumerate(shot.agents):
        last = index == len(shot.agents) - 1
        unpolled = f" · no worker polls task queue {node.no_worker!r}" if node.no_worker else ""
        lines.append(("└── " if last else "├── ") + _task_line(node) + unpolled)
        children = _steps(node) + [
            f"waiting for an answer to {p.approval_id}: {p.reason}"
            if p.kind == "question"
            else f"waiting for approval {p.approval_id}: {p.tool}({json.dumps(p.arguments)}) "
            f"because {p.reason}"
            for p in shot.pending_approvals
            if p.workflow_id == node.task.workflow_id
        ]
        stem = "    " if last else "│   "
        for position, child in enumerate(children):
            lines.append(stem + ("└── " if position == len(children) - 1 else "├── ") + child)
    if shot.undone:
        lines += ["", "undone by the goal:", *(f"  {_undo_line(u)}" for u in shot.undone)]
    if shot.result is not None:
        lines += ["", shot.result.answer]
    return "\n".join(lines)


def _steps(node: AgentNode) -> list[str]:
    """Each model turn, then the tool calls it made; then what the agent undid."""
    lines, shown = [], set()
    for turn in node.turns:
        lines.append(_turn_line(turn))
        for index, call in enumerate(node.calls):
            if call.step == turn.step:
                lines.append(f"  {_call_line(call)}")
                shown.add(index)
    lines += [_call_line(c) for i, c in enumerate(node.calls) if i not in shown]
    return lines + [_undo_line(u) for u in node.undone]


def _call_line(call: CallView) -> str:
    outcome = "ok, replayed from the ledger" if call.replayed else call.outcome
    detail = f": {call.detail}" if call.detail and call.outcome != "ok" else ""
    return f"↳ {call.tool}({json.dumps(call.arguments)}) · {outcome}{detail}"


def _undo_line(undo: UndoView) -> str:
    state = "running" if undo.ok is None else "ok" if undo.ok else f"FAILED: {undo.detail}"
    return f"undid {undo.tool}({json.dumps(undo.arguments)}) for {undo.agent} · {state}"


def _task_line(node: AgentNode) -> str:
    task = node.task
    agent = task.agent
    if node.handed_off_from:
        agent = f"{' → '.join(node.handed_off_from)} → {node.finished_by} (handed off)"
    parts = [task.id, agent, task.status]
    if task.usage is not None:
        parts.append(_spent(task.usage))
    if task.workflow_id:
        parts.append(task.workflow_id)
    return " · ".join(parts)


def _turn_line(turn: TurnRecord) -> str:
    tools = f" → {', '.join(turn.tools)}" if turn.tools else " → answer"
    if turn.usage.cached_calls:
        return f"step {turn.step} · {turn.model} · from the response cache{tools}"
    return (
        f"step {turn.step} · {turn.model} · {turn.usage.input_tokens} in/"
        f"{turn.usage.output_tokens} out · {_cost(turn.usage)} · {turn.latency_ms:.0f} ms{tools}"
    )


def _spent(usage: Usage) -> str:
    tokens = usage.input_tokens + usage.output_tokens
    return f"{_cost(usage)} · {usage.llm_calls} LLM calls · {tokens} tokens{cache_note(usage)}"


def _cost(usage: Usage) -> str:
    return "cost unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
