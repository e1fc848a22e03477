"""Input checks shared by the client path and the workflow. Pure code."""

GOAL_MAX_BYTES = 8 * 1024  # the default; RELAY_MAX_GOAL_BYTES changes it
GOAL_HARD_LIMIT = 64 * 1024  # what any configuration may allow (RELAY_MAX_GOAL_BYTES)


def goal_problem(goal: object, max_bytes: int = GOAL_MAX_BYTES) -> str | None:
    """Why a goal cannot be accepted, in one line; None when it is fine."""
    if not isinstance(goal, str):
        return f"the goal must be text, not {type(goal).__name__}"
    if not goal.strip():
        return "the goal is empty"
    size = len(goal.encode())
    if size > max_bytes:
        return f"the goal is {size} bytes; the limit is {max_bytes}"
    return None
