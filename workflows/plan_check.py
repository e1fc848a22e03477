"""Validation of a Plan: a non-empty DAG of tasks for known agents. Pure code."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.models import Plan


def plan_error(plan: Plan, agents: list[str]) -> str | None:
    """The first thing wrong with the plan, as a sentence for the model; None when valid."""
    if not plan.tasks:
        return "the plan has no tasks"
    ids = [t.id for t in plan.tasks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return f"task ids must be unique; repeated: {', '.join(duplicates)}"
    for task in plan.tasks:
        if task.agent not in agents:
            return f"task {task.id!r} names unknown agent {task.agent!r}; use one of {agents}"
        missing = [d for d in task.depends_on if d not in ids]
        if missing:
            return f"task {task.id!r} depends on unknown task(s) {missing}"
    cycle = _cycle(plan)
    if cycle:
        return f"the dependencies form a cycle: {' -> '.join(cycle)}"
    return None


def _cycle(plan: Plan) -> list[str] | None:
    deps = {t.id: t.depends_on for t in plan.tasks}
    state: dict[str, str] = {}  # id -> "visiting" | "done"

    def visit(node: str, path: list[str]) -> list[str] | None:
        if state.get(node) == "visiting":
            return [*path[path.index(node) :], node]
        if state.get(node) == "done":
            return None
        state[node] = "visiting"
        for dep in deps[node]:
            found = visit(dep, [*path, node])
            if found:
                return found
        state[node] = "done"
        return None

    for task_id in deps:
        found = visit(task_id, [])
        if found:
            return found
    return None
