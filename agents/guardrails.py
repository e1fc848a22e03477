"""Input checks shared by the client path and the workflow. Pure code."""

GOAL_MAX_BYTES = 8 * 1024


def goal_problem(goal: object) -> str | None:
    """Why a goal cannot be accepted, in one line; None when it is fine."""
    if not isinstance(goal, str):
        return f"the goal must be text, not {type(goal).__name__}"
    if not goal.strip():
        return "the goal is empty"
    size = len(goal.encode())
    if size > GOAL_MAX_BYTES:
        return f"the goal is {size} bytes; the limit is {GOAL_MAX_BYTES}"
    return None
