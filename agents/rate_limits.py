"""Rate limits and quotas of a tool (`rate="5/minute"`, `quota="20/day"`, `per=...`): how they
are written, whom a call counts against, and what a refused call tells the model. Pure code;
the counting is tools/rate_store.py, in relay's store so it holds across workers and hosts."""

import re

from pydantic import BaseModel, Field

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}
_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
RATE_WAITS = 3  # times one call waits for its slot before it is refused
KEPT_SECONDS = 3600  # counted calls stay at least this long, so a window can be checked after


class Limit(BaseModel):
    count: int = Field(ge=1)
    seconds: int = Field(ge=1)
    text: str  # as written, e.g. 5/minute


def parse_limit(text: str, what: str) -> Limit:
    """`5/minute` (or /second, /hour, /day) as a Limit; a ValueError in one line otherwise."""
    match = _LIMIT.match(text)
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"{what} {text!r} is not like 5/minute (per second, minute, hour or day)")
    count, period = int(match.group(1)), match.group(2)
    return Limit(count=count, seconds=PERIODS[period], text=f"{count}/{period}")


class ToolLimits(BaseModel):
    """A tool's limits: `rate` over a short window, `quota` over a longer one, counted
    globally, per requester, or per the value of a context key (`per="customer_id"`). A call
    over its rate waits for its slot when that is at most `wait_seconds` away."""

    rate: Limit | None = None
    quota: Limit | None = None
    per: str = "global"
    wait_seconds: float = Field(default=0.0, ge=0, le=300)

    def scope(self, context: dict[str, str], requested_by: str | None) -> str:
        """Whose count a call adds to."""
        if self.per == "global":
            return "*"
        if self.per == "requester":
            return f"requester:{requested_by or 'unknown'}"
        return f"{self.per}:{context.get(self.per, 'unknown')}"

    def whom(self) -> str:
        return "" if self.per == "global" else f" per {self.per}"

    def words(self) -> str:
        """e.g. `3/minute, quota 20/day per requester`."""
        parts = [self.rate.text] if self.rate else []
        parts += [f"quota {self.quota.text}"] if self.quota else []
        return ", ".join(parts) + self.whom()


class SlotDenied(BaseModel):
    """A call its tool's limits refuse now, and when it may go ahead."""

    kind: str  # rate or quota
    retry_after_s: float
    message: str


def denial(
    tool: str, kind: str, limit: Limit, limits: ToolLimits, retry_after: float
) -> SlotDenied:
    wait = max(1, round(retry_after))
    message = (
        f"{'rate limit' if kind == 'rate' else 'quota'}: {tool} allows {limit.text}"
        f"{limits.whom()}; next slot in {wait} s"
    )
    return SlotDenied(kind=kind, retry_after_s=retry_after, message=message)
