"""Intent routing: a deterministic keyword router that narrows which specialists may be planned.

It runs in workflow code, so it must stay pure: no I/O, no randomness.
"""

import re

from agents.specs import AGENTS

# Each rule: words that signal an intent -> the specialists that intent needs.
_RULES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\b(return|refund|send back|exchange)\w*", re.I), ("orders", "returns")),
    (
        re.compile(r"\b(recommend|similar|suggest|looking for|alternative|comes in)\w*", re.I),
        ("catalog",),
    ),
    (re.compile(r"\b(order|bought|purchase|deliver|shipped)\w*", re.I), ("orders",)),
]


def route_intents(goal: str) -> list[str]:
    """Candidate specialists for a goal, in a stable order; every agent when nothing matches."""
    found: set[str] = set()
    for pattern, agents in _RULES:
        if pattern.search(goal):
            found.update(agents)
    if not found:
        return list(AGENTS)
    return [name for name in AGENTS if name in found]
