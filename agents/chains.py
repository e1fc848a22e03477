"""A chain of events' budget (ChainWorkflow's ledger): how many events the chain may hold and
what its reactions may spend, each event admitted against it before any listener runs. Pure
code: the shapes and the arithmetic."""

from pydantic import BaseModel, Field

from relay.agents.events import MAX_CHAIN_DEPTH

# Less than this fraction of an event's share is too little for a model call: refused.
SMALLEST_GRANT = 0.01
REFUSALS_KEPT = 50  # a chain's refused emits remembered by id; the rest only counted
CHAIN_REFUSED = "ChainBudget"  # the error type of an emit its chain's budget refused


class ChainBudget(BaseModel):
    """What one chain of events may use, all its reactions together: `max_events` events
    (fan-out over the whole chain, the first event included) and `max_cost_usd` of model
    spend. Each event is granted at most a MAX_CHAIN_DEPTH-th of the cost, so a chain that runs
    as deep as it may still fits; the events a chain may run deep are MAX_CHAIN_DEPTH."""

    max_events: int = Field(default=20, ge=1, le=1000)
    max_cost_usd: float = Field(default=5.0, gt=0, le=100_000)

    def event_share_usd(self) -> float:
        return self.max_cost_usd / MAX_CHAIN_DEPTH


class ChainStart(BaseModel):
    app: str
    chain: str
    budget: ChainBudget


class Admission(BaseModel):
    """The chain's answer to an event: admitted with a grant, or refused with the reason."""

    admitted: bool
    grant_usd: float = 0.0
    reason: str = ""


class Settlement(BaseModel):
    """What an admitted event's reactions spent, once they all ended."""

    event_id: str
    spent_usd: float


def chain_workflow_id(app: str, chain: str) -> str:
    return f"chain/{app}/{chain}"


class ChainState(BaseModel):
    """A chain's ledger (ChainWorkflow): its events, what they were granted and spent, and
    the emits it refused."""

    app: str
    chain: str
    budget: ChainBudget
    events: list[str] = Field(default_factory=list)  # admitted, in order
    open: dict[str, float] = Field(default_factory=dict)  # admitted, unsettled: their grants
    spent_usd: float = 0.0
    refusals: int = 0
    refused: list[str] = Field(default_factory=list)  # the first REFUSALS_KEPT: "<id>: <why>"
    answers: dict[str, Admission] = Field(default_factory=dict)  # by event id

    def promised_usd(self) -> float:
        return self.spent_usd + sum(self.open.values())

    def admit(self, event_id: str) -> Admission:
        """Admit `event_id` with a grant of at most the budget's event share, or refuse it:
        the chain holds its most events, or its cost is spent or granted to open events. An
        event asked again (a retried emit) gets the answer it got."""
        known = self.answers.get(event_id)
        if known is not None:
            return known
        answer = self._answer()
        if answer.admitted:
            self.events.append(event_id)
            self.open[event_id] = answer.grant_usd
        if answer.admitted or len(self.refused) < REFUSALS_KEPT:
            self.answers[event_id] = answer
        if not answer.admitted:
            self.refusals += 1
            if len(self.refused) < REFUSALS_KEPT:
                self.refused.append(f"{event_id}: {answer.reason}")
        return answer

    def _answer(self) -> Admission:
        budget = self.budget
        if len(self.events) >= budget.max_events:
            reason = f"the event chain {self.chain} has used its {budget.max_events} events"
            return Admission(admitted=False, reason=reason)
        left = budget.max_cost_usd - self.promised_usd()
        if left < budget.event_share_usd() * SMALLEST_GRANT:
            reason = (
                f"the event chain {self.chain} has spent or granted its "
                f"${budget.max_cost_usd:.2f} budget"
            )
            return Admission(admitted=False, reason=reason)
        return Admission(admitted=True, grant_usd=min(left, budget.event_share_usd()))

    def settle(self, settlement: Settlement) -> None:
        """The event's reactions ended: what they spent replaces what it was granted."""
        if self.open.pop(settlement.event_id, None) is not None:
            self.spent_usd += settlement.spent_usd

    def summary(self) -> str:
        """One line: what of the budget is used, e.g. `3 of 20 events, $0.0120 of $5.00`."""
        budget = self.budget
        text = (
            f"{len(self.events)} of {budget.max_events} events, ${self.spent_usd:.4f} of "
            f"${budget.max_cost_usd:.2f} spent"
        )
        if self.refusals:
            text += f", {self.refusals} emit(s) refused"
        if self.open:
            text += f", ${sum(self.open.values()):.4f} granted to {len(self.open)} open event(s)"
        return text
