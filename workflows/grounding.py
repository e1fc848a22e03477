"""Grounding: the ids and amounts an agent reports must come from what it saw.

Facts are the ids (by the app's id pattern: `O-5001`, `INC-2001`, ...) and numbers in an agent's
inputs and tool results; claims are the ids and money amounts (`$79.00`, `79 USD`) in its
answer. A claim that is not a fact is ungrounded: the model made it up or copied it from
somewhere it should not.
Pure text functions, deterministic in workflow code.
"""

import re

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:USD|usd|dollars)\b")


def _amount(text: str) -> str:
    return f"${float(text.replace(',', '')):.2f}"


def facts(text: str, id_pattern: str) -> set[str]:
    """Ids and numbers (as amounts) in text an agent was given or a tool returned."""
    found = set(re.findall(id_pattern, text))
    for number in _NUMBER.findall(text):
        try:
            found.add(_amount(number))
        except ValueError:  # e.g. "1,2,3": not a number after all
            continue
    return found


def claims(answer: str, id_pattern: str) -> set[str]:
    """Ids and money amounts an answer states."""
    found = set(re.findall(id_pattern, answer))
    for dollars, usd in _MONEY.findall(answer):
        try:
            found.add(_amount(dollars or usd))
        except ValueError:
            continue
    return found


def ungrounded(answer: str, evidence: set[str], id_pattern: str) -> list[str]:
    return sorted(claims(answer, id_pattern) - evidence)
