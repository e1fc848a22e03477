"""Output redaction: secrets and payment-card numbers never reach an answer or a log line.

Pure regular expressions, so workflows apply it to answers deterministically; the same rules
run on every log line (temporal/logs.py).
"""

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, field_validator

CARD = "[redacted card]"
SECRET = "[redacted secret]"

# 13-19 digits, optionally grouped by spaces or dashes; redacted only when the Luhn check passes
# so order numbers and amounts stay readable.
_CARD_LIKE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_SECRETS = [
    re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic keys
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub tokens
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}"),
    re.compile(
        r"(?i)\b(?:api[_-]?key|secret|password|passwd|token)\b(\s*[:=]\s*)[\"']?[^\s\"',;]{6,}"
    ),
]


class Redaction(BaseModel):
    """RELAY_REDACT=0 turns it off; RELAY_REDACT_PATTERNS adds regular expressions (JSON list)."""

    enabled: bool = True
    patterns: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"redaction pattern {pattern!r} is not a regex: {err}") from err
        return patterns


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD if _luhn(digits) else match.group(0)


@lru_cache(maxsize=32)
def _extra(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


def redact(text: str, rules: Redaction) -> str:
    if not rules.enabled or not text:
        return text
    text = _CARD_LIKE.sub(_card, text)
    for pattern in _SECRETS:
        text = pattern.sub(SECRET, text)
    for pattern in _extra(tuple(rules.patterns)):
        text = pattern.sub(SECRET, text)
    return text


def redact_data(value: Any, rules: Redaction) -> Any:
    """Every string inside JSON data (a typed answer) redacted; the structure kept."""
    if isinstance(value, str):
        return redact(value, rules)
    if isinstance(value, list):
        return [redact_data(item, rules) for item in value]
    if isinstance(value, dict):
        return {key: redact_data(item, rules) for key, item in value.items()}
    return value
