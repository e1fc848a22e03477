"""Validation of a Plan: a non-empty DAG of tasks for known agents. Pure code."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.models import Plan


def plan_error(plan: Plan, agents: list[str]) -> str | None:
    """The first thing wrong with the plan, as a sentence for the model; None when valid."""
    if not plan.tasks:
        return "the plan has no tasks"
    ids = [t.id for t in plan.tasks]
    duplicates = repeated_ids(plan)
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


def repeated_ids(plan: Plan) -> list[str]:
    ids = [t.id for t in plan.tasks]
    return sorted({i for i in ids if ids.count(i) > 1})


def renumbered(plan: Plan) -> Plan:
    """The plan with repeated task ids made unique (`Flights`, `Flights-2`), as small models
    repeat them; unchanged when a task depends on a repeated id (which one would it mean?)."""
    repeated = set(repeated_ids(plan))
    if any(d in repeated for t in plan.tasks for d in t.depends_on):
        return plan
    given = {t.id for t in plan.tasks}  # a new id never takes one the model gave
    seen: set[str] = set()
    tasks = []
    for task in plan.tasks:
        new_id, n = task.id, 1
        while new_id in seen or (new_id != task.id and new_id in given):
            n += 1
            new_id = f"{task.id[:35]}-{n}"
        seen.add(new_id)
        tasks.append(task.model_copy(update={"id": new_id}))
    return plan.model_copy(update={"tasks": tasks})


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
