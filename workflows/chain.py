"""ChainWorkflow: one chain of events' budget (`chain/<app>/<chain>`). Every event of the chain
is admitted here before it is delivered (an update, sent with the workflow's start by the
emitting activity), and granted a share of the chain's cost; when an event's reactions have
all ended, its EventWorkflow settles what they spent. So a loop or a fan-out between agents
stops with refused emits and a clear reason, not a bill. It ends once no admitted event is
open. Workflow code: deterministic."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from relay.agents.chains import Admission, ChainStart, ChainState, Settlement

from relay.workflows.event_delivery import RETRY_WINDOW
from relay.workflows.waiting import waited

# An open event settles when its last delivery ends, a dead letter's at the latest when its
# retry window does; past that, an event whose workflow was terminated is given up on.
OPEN_WINDOW = RETRY_WINDOW + timedelta(days=1)


@workflow.defn
class ChainWorkflow:
    @workflow.init
    def __init__(self, start: ChainStart) -> None:
        # Set before any handler runs: the first admission arrives with the start.
        self._state = ChainState(app=start.app, chain=start.chain, budget=start.budget)

    @workflow.run
    async def run(self, start: ChainStart) -> ChainState:
        state = self._state
        while True:
            admitted = len(state.answers)
            if await waited(
                lambda: bool(state.answers) and not state.open, OPEN_WINDOW, "open events expire"
            ):
                break
            if len(state.answers) == admitted:
                break  # nothing happened for a whole window: what is open is lost
        await workflow.wait_condition(workflow.all_handlers_finished)
        return state

    @workflow.update
    def admit(self, event_id: str) -> Admission:
        """Admit an event of the chain (or give the answer it got before)."""
        return self._state.admit(event_id)

    @workflow.signal
    def settle(self, settlement: Settlement) -> None:
        self._state.settle(settlement)

    @workflow.query
    def state(self) -> ChainState:
        return self._state
