"""ThreadWorkflow: one conversation of one person with an app (`thread/<app>/<owner>/<id>`).
Goals arrive by an update (sent with the workflow's start, so the first goal starts the
thread); it runs them as child goals one at a time, in the order they came, each with the
thread's earlier turns (the last few as they were, the older ones folded into a summary by the
model, as an agent's long conversation is), so a follow-up ("and the red one?") is asked
knowing what came before.
A second goal waits for the first rather than being refused: a conversation's order is its
meaning, and the caller would otherwise have to retry. It keeps its last turns across
continue-as-new and ends after a month without goals. Workflow code: deterministic."""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from relay.agents.llm_models import LlmRequest, Message
    from relay.agents.models import GoalRequest, GoalResult
    from relay.agents.prompts import summary_request
    from relay.agents.threads import (
        MAX_WAITING,
        SUMMARY,
        TURNS_KEPT,
        TURNS_SHOWN,
        ThreadStart,
        ThreadState,
        turn_of,
    )

from relay.workflows.model_call import ask_model
from relay.workflows.supervisor import SupervisorWorkflow
from relay.workflows.waiting import waited

IDLE = timedelta(days=30)  # a thread no goal continued for this long ends
GOALS_PER_RUN = 100  # then it continues as new, so its history stays small
SUMMARY_REQUEST_CHARS = 12_000  # what one summarize call is sent at most


@workflow.defn
class ThreadWorkflow:
    @workflow.init
    def __init__(self, start: ThreadStart) -> None:
        self._start = start
        self._state = ThreadState(
            thread=start.thread, owner=start.owner, turns=start.turns, summary=start.summary
        )
        self._queue: list[tuple[str, GoalRequest]] = []
        self._numbered = start.goals_started

    @workflow.run
    async def run(self, start: ThreadStart) -> ThreadState:
        ran = 0
        while await waited(lambda: bool(self._queue), IDLE, "the thread is idle"):
            goal_id, request = self._queue.pop(0)
            self._state.waiting = [g for g, _ in self._queue]
            await self._run_goal(goal_id, request)
            ran += 1
            if ran >= GOALS_PER_RUN and not self._queue:
                await workflow.wait_condition(workflow.all_handlers_finished)
                kept = self._state.turns[-TURNS_SHOWN:]  # the older ones are in the summary
                workflow.continue_as_new(
                    start.model_copy(
                        update={
                            "turns": kept,
                            "goals_started": self._numbered,
                            "summary": self._state.summary,
                        }
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _run_goal(self, goal_id: str, request: GoalRequest) -> None:
        self._state.running = goal_id
        earlier = self._state.earlier()
        try:
            result: GoalResult = await workflow.execute_child_workflow(
                SupervisorWorkflow.run,
                request.model_copy(update={"earlier": earlier}),
                id=goal_id,
                task_queue=self._start.task_queue,
                static_summary=f"thread {self._start.thread}: {request.goal}"[:200],
                memo={"requested_by": self._start.owner},  # as start_goal: who owns the goal
            )
            turn = turn_of(goal_id, request.goal, result.answer, result.status)
            route = request.model or (result.models[0] if result.models else None)
        except ChildWorkflowError as err:
            turn = turn_of(goal_id, request.goal, f"the goal failed: {err.cause or err}", "failed")
            route = request.model
        self._state.turns = [*self._state.turns, turn]
        if route is not None:
            await self._fold(route)
        dropped = max(len(self._state.turns) - TURNS_KEPT, 0)
        self._state.turns = self._state.turns[dropped:]
        self._state.summarized = max(self._state.summarized - dropped, 0)
        self._state.running = None

    async def _fold(self, route: str) -> None:
        """Fold the turns that left the shown window into the summary, as an agent's long
        conversation is folded (the same summarizer); a failed call leaves them counted."""
        folded = self._state.to_fold()
        if not folded:
            return
        previous = self._state.summary.answer if self._state.summary else None
        asked = [
            Message(role="user", content=f"asked: {t.goal}\nanswered: {t.answer}") for t in folded
        ]
        try:
            reply = await ask_model(
                route,
                LlmRequest(
                    model=route,
                    purpose="summarize",
                    agent="thread",
                    step=self._state.summarized,
                    messages=summary_request(previous, asked, SUMMARY_REQUEST_CHARS),
                ),
                summary=f"thread {self._start.thread} · summarize {len(folded)} turn(s)",
            )
        except ApplicationError:
            return
        self._state.summary = turn_of("summary", "(older turns)", reply.content, SUMMARY)
        self._state.summarized += len(folded)

    @workflow.update
    def add(self, request: GoalRequest) -> str:
        """Queue a goal of the thread; its workflow id, which starts once the goals before it
        have ended."""
        self._numbered += 1
        goal_id = f"{workflow.info().workflow_id}/goal-{self._numbered}"
        self._queue.append((goal_id, request))
        self._state.waiting = [g for g, _ in self._queue]
        return goal_id

    @add.validator
    def _admissible(self, request: GoalRequest) -> None:
        if request.requested_by != self._start.owner or request.thread != self._start.thread:
            raise ApplicationError(f"this is {self._start.owner}'s thread {self._start.thread}")
        if len(self._queue) >= MAX_WAITING:
            raise ApplicationError(
                f"thread {self._start.thread} has {MAX_WAITING} goals waiting; wait for them"
            )

    @workflow.query
    def state(self) -> ThreadState:
        return self._state
