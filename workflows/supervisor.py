"""SupervisorWorkflow: route the goal, plan it, run one AgentWorkflow per task, synthesize."""

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from relay.agents.approvals import (
        ApprovalDecision,
        ApprovalRecord,
        ApprovalsSeen,
        DecisionAudit,
        DecisionRequest,
        PendingApproval,
    )
    from relay.agents.llm_models import LlmRequest, Usage
    from relay.agents.models import (
        AgentResult,
        Budget,
        GoalRequest,
        GoalResult,
        HistoryLimit,
        Plan,
        PlannedTask,
        TaskReport,
    )
    from relay.agents.notices import AgentNotice
    from relay.agents.progress import GoalProgress, TaskProgress
    from relay.agents.redaction import Redaction, redact, redact_data
    from relay.agents.run_config import RunConfig
    from relay.agents.specs import Agent
    from relay.agents.tool_models import CompletedEffect

from relay.workflows.agent import AgentWorkflow
from relay.workflows.agent_task import agent_task_for
from relay.workflows.approval_desk import ApprovalDesk
from relay.workflows.budget import capped, goal_spent, lease_for
from relay.workflows.client_input import read_input
from relay.workflows.compensation import compensate
from relay.workflows.goal_intake import admitted, candidates, load_config, route_of
from relay.workflows.goal_result import goal_result
from relay.workflows.goal_status import goal_status
from relay.workflows.history_guard import history_problem
from relay.workflows.model_call import ask_model
from relay.workflows.planning import direct_plan, make_plan
from relay.workflows.synthesis import Synthesis, synthesize
from relay.workflows.ui import RunBoard, progress_table, start_attributes
from relay.workflows.verification import grounded

# Statuses whose answer a dependent task may build on.
USABLE = ("completed", "rejected")


@workflow.defn(name="SupervisorWorkflow")
class SupervisorWorkflow:
    def __init__(self) -> None:
        self._desk = ApprovalDesk()
        self._reports: dict[str, TaskReport] = {}
        self._results: dict[str, AgentResult] = {}
        self._usage = Usage()
        self._models: list[str] = []
        self._switches: list[str] = []
        # MCP servers caught changing a tool mid-run: refused to every later agent of the run.
        self._refused_servers: dict[str, str] = {}
        self._budget = Budget()
        self._deadline: datetime | None = None
        self._unstarted = 0
        self._redaction = Redaction()
        self._board = RunBoard("supervisor")
        self._tasks: list[PlannedTask] = []
        self._children: dict[str, str] = {}  # task id -> child workflow id, once started
        self._closed: set[str] = set()  # task ids whose child workflow has ended
        self._finished_effects: dict[str, list[CompletedEffect]] = {}  # task id -> its effects
        self._final: str | None = None
        self._specs: dict[str, Agent] = {}  # the app's agents, from the recorded run config
        self._history_limit: HistoryLimit | None = None  # set once the run config is loaded
        self._history_full: str | None = None  # why the run stops itself (history_guard)
        self._ending = False  # the goal is about to end: clients waiting on approvals hear so

    @workflow.run
    async def run(self, raw: GoalRequest | Any) -> GoalResult:
        # Taken loosely: a malformed goal fails the run with one line, not every workflow task.
        request = admitted(raw)
        goal = request.goal.strip()
        config = await load_config(request)
        self._redaction = config.redaction
        self._desk.signed = config.signed_decisions
        self._board.enable(config.search_attributes, config.lean_bookkeeping)
        self._show()
        route = route_of(request, config)
        self._specs = {agent.name: agent for agent in config.agents}
        self._budget = capped((request.budget or Budget()).over(config.budget), request.cause)
        if self._budget.max_seconds is not None:
            self._deadline = workflow.now() + timedelta(seconds=self._budget.max_seconds)
        agents = [self._specs[c] for c in candidates(request, goal, config)]
        direct = config.direct_single_agent or request.agent is not None
        plan = (direct and direct_plan(goal, agents)) or await make_plan(
            goal,
            request.context,
            agents,
            route,
            self._ask,
            request.earlier,
            config.response_cache_seconds,
        )
        self._tasks = plan.tasks
        self._show()
        self._unstarted = len(plan.tasks)
        self._history_limit = config.history_limit
        work = asyncio.gather(
            *(self._run_task(task, plan, request, route, config) for task in plan.tasks)
        )
        try:
            await workflow.wait_condition(lambda: work.done() or self._history_full is not None)
            if work.done():
                await work
            else:  # stop the agents (each undoes its own effects), then end
                await _cancelled(work)
                for task in plan.tasks:
                    if task.id not in self._reports:
                        self._report(task, "failed", f"stopped: {self._history_full}")
        except asyncio.CancelledError:
            # Each agent undoes its own effects as it is cancelled; wait for them (a closing
            # supervisor would terminate them mid-undo), then undo what finished agents did.
            work.cancel()
            await workflow.wait_condition(lambda: self._closed >= set(self._children))
            await compensate(self._effects(), request.context, config.keep_effects)
            # Notices the agents sent while closing are still being checked: let them finish.
            self._ending = True
            await workflow.wait_condition(workflow.all_handlers_finished)
            self._show("cancelled")
            raise
        reports = [self._reports[t.id] for t in plan.tasks]
        status = goal_status([r.status for r in reports])
        undone = []
        if status != "completed":
            undone = await compensate(self._effects(), request.context, config.keep_effects)
        synthesis = await self._synthesize(goal, reports, route, config.output_schema)
        self._ending = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._show(status)
        return goal_result(
            status,
            synthesis,
            reports,
            list(self._results.values()),
            undone,
            self._desk.goal_audit(list(self._results.values()), self._children),
            usage=self._usage,
            models=self._models,
            switches=self._switches,
            refused_servers=self._refused_servers,
            redaction=self._redaction,
        )

    def _effects(self) -> list[CompletedEffect]:
        """Side effects of the agents that finished, in the order they happened: kept as soon
        as an agent ends, so a goal stopped while it checks the agent's answer undoes them."""
        return [e for effects in self._finished_effects.values() for e in effects]

    async def _ask(self, route: str, request: LlmRequest, summary: str) -> str:
        reply = await ask_model(route, request, summary)
        self._usage = self._usage.plus(reply.usage)
        self._switches += reply.model_switches
        if reply.model not in self._models:
            self._models.append(reply.model)
        return reply.content

    async def _run_task(
        self,
        task: PlannedTask,
        plan: Plan,
        request: GoalRequest,
        route: str,
        config: RunConfig,
    ) -> None:
        await workflow.wait_condition(lambda: all(d in self._reports for d in task.depends_on))
        upstream = [self._reports[d] for d in task.depends_on]
        blocked = [u.id for u in upstream if u.status not in USABLE]
        lease = lease_for(
            self._budget,
            self._usage,
            self._unstarted,
            self._specs[task.agent].max_steps,
            self._deadline,
            config.loop_limit,
            config.max_calls_per_turn,
        )
        self._unstarted -= 1
        if blocked:
            self._report(
                task, "skipped", f"not run: it depends on {blocked}, which did not complete"
            )
            return
        exhausted = goal_spent(self._budget, self._usage, workflow.now(), self._deadline)
        if exhausted is not None:
            self._report(task, "budget_exhausted", f"not run: {exhausted}")
            return
        spec = self._specs[task.agent]
        same_agent = [t.id for t in plan.tasks if t.agent == task.agent]
        child_id = f"{workflow.info().workflow_id}/{task.agent}-{same_agent.index(task.id) + 1}"
        self._children[task.id] = child_id
        self._show()
        agent_task = agent_task_for(
            task, request, config, route, upstream, lease, self._refused_servers
        )
        lean_board = config.search_attributes and config.lean_bookkeeping
        chain = request.cause.chain if config.search_attributes and request.cause else None
        try:
            result = await workflow.execute_child_workflow(
                AgentWorkflow.run,
                agent_task,
                id=child_id,
                task_queue=spec.task_queue,  # None: the supervisor's own
                static_summary=f"{task.agent}: {task.instruction}"[:200],
                search_attributes=start_attributes(task.agent, lean_board, chain),
            )
        except ChildWorkflowError as err:
            self._report(task, "failed", f"agent failed: {err.cause or err}", child_id)
            return
        finally:
            self._closed.add(task.id)
        self._finished_effects[task.id] = result.effects
        self._usage = self._usage.plus(result.usage)
        result = await grounded(result, agent_task, self._ask)
        self._results[task.id] = result
        self._models += [m for m in result.models if m not in self._models]
        self._switches += [f"{task.agent}: {s}" for s in result.model_switches]
        self._refused_servers.update(result.refused_servers)
        self._report(task, result.status, result.answer, child_id, result.usage, result.output)

    def _report(
        self,
        task: PlannedTask,
        status: str,
        result: str,
        workflow_id: str = "",
        usage: Usage | None = None,
        output: Any = None,
    ) -> None:
        self._reports[task.id] = TaskReport.model_validate(
            {
                "id": task.id,
                "agent": task.agent,
                "instruction": task.instruction,
                "depends_on": task.depends_on,
                "status": status,
                "result": redact(result, self._redaction),
                "workflow_id": workflow_id,
                "usage": usage or Usage(),
                "output": redact_data(output, self._redaction),
            }
        )
        self._show()

    def _progress(self) -> GoalProgress:
        tasks = []
        for task in self._tasks:
            report = self._reports.get(task.id)
            child = self._children.get(task.id, "")
            state = "running" if child else "waiting"
            tasks.append(
                TaskProgress(
                    id=task.id,
                    agent=task.agent,
                    task_queue=self._specs[task.agent].task_queue or "",
                    status=report.status if report else state,
                    workflow_id=report.workflow_id if report else child,
                    usage=report.usage if report else None,
                )
            )
        pending = list(self._desk.pending.values())
        status = self._final or (
            "waiting_for_approval" if pending else "running" if self._tasks else "planning"
        )
        return GoalProgress(status=status, tasks=tasks, pending=pending, usage=self._usage)

    def _show(self, final: str | None = None) -> None:
        """Refresh what the Web UI shows: the progress table and the search attributes."""
        self._final = final or self._final
        progress = self._progress()
        workflow.set_current_details(progress_table(progress))
        self._board.show(progress.status, len(progress.pending), progress.usage)

    async def _synthesize(
        self, goal: str, reports: list[TaskReport], route: str, schema: dict[str, Any] | None
    ) -> Synthesis:
        if self._history_full is not None:  # no room for more: say why the goal stopped
            return Synthesis(f"Stopped: {self._history_full}. Every completed effect was undone.")
        spent = goal_spent(self._budget, self._usage, workflow.now(), self._deadline)
        return await synthesize(goal, reports, route, self._ask, schema, spent)

    # --- approvals: agents report here; decisions are routed to the agent that asked ---

    @workflow.signal
    async def agent_notice(self, notice: AgentNotice | Any) -> None:
        if await self._desk.receive(notice, set(self._children.values())):
            self._show()
        self._check_history()

    # Decisions are taken loosely (`Model | Any`): a malformed one is refused with a reason
    # naming the field, instead of failing to decode.
    @workflow.signal
    async def approve(self, decision: ApprovalDecision | Any) -> None:
        await self._desk.forward("approve", decision)
        self._check_history()

    @workflow.signal
    async def reject(self, decision: ApprovalDecision | Any) -> None:
        await self._desk.forward("reject", decision)
        self._check_history()

    def _check_history(self) -> None:
        """After each signal (the way outsiders grow a history): stop before Temporal would."""
        if self._history_limit is not None and self._history_full is None:
            self._history_full = history_problem(self._history_limit)

    @workflow.update
    async def decide(self, request: DecisionRequest | Any) -> ApprovalRecord:
        """A decision whose outcome the caller learns: the record, or the reason it was refused."""
        checked = read_input(DecisionRequest, request)
        assert not isinstance(checked, str)  # the validator refused it otherwise
        decision_id = str(workflow.uuid4())
        decision = ApprovalDecision.model_validate(
            checked.model_dump(exclude={"approve"}) | {"decision_id": decision_id}
        )
        await self._desk.forward("approve" if checked.approve else "reject", decision)
        await workflow.wait_condition(lambda: decision_id in self._desk.outcomes)
        entry = self._desk.outcomes[decision_id]
        if not entry.accepted:
            raise ApplicationError(entry.refusal, type="ApprovalRefused", non_retryable=True)
        await workflow.wait_condition(lambda: checked.approval_id in self._desk.settled)
        return self._desk.settled[checked.approval_id]

    @decide.validator
    def _validate_decide(self, request: DecisionRequest | Any) -> None:
        checked = read_input(DecisionRequest, request)
        if isinstance(checked, str):
            raise ApplicationError(checked, type="ApprovalRefused", non_retryable=True)
        refusal = self._desk.early_refusal(checked.approval_id)
        if refusal is not None:
            raise ApplicationError(refusal, type="ApprovalRefused", non_retryable=True)

    # A pure wait: a goal that fails while a client waits here abandons it (the client then
    # reads the goal's result) instead of warning of an unfinished handler.
    @workflow.update(unfinished_policy=workflow.HandlerUnfinishedPolicy.ABANDON)
    async def next_approvals(self, seen: ApprovalsSeen | Any) -> list[PendingApproval]:
        """Every pending approval, once one the caller has not seen is pending; none once the
        goal is ending. What a client waits on instead of polling `pending_approvals`."""
        checked = read_input(ApprovalsSeen, seen, "request")
        assert not isinstance(checked, str)  # the validator refused it otherwise
        known = set(checked.approval_ids)
        await workflow.wait_condition(
            lambda: self._ending or any(a not in known for a in self._desk.pending)
        )
        return [] if self._ending else list(self._desk.pending.values())

    @next_approvals.validator
    def _validate_next_approvals(self, seen: ApprovalsSeen | Any) -> None:
        checked = read_input(ApprovalsSeen, seen, "request")
        if isinstance(checked, str):
            raise ApplicationError(checked, type="BadRequest", non_retryable=True)

    @workflow.query
    def pending_approvals(self) -> list[PendingApproval]:
        return list(self._desk.pending.values())

    @workflow.query
    def progress(self) -> GoalProgress:
        return self._progress()

    @workflow.query
    def audit(self) -> list[DecisionAudit]:
        """Every decision so far (finished agents' audits, running agents' notices)."""
        return self._desk.goal_audit(list(self._results.values()), self._children)[0]


async def _cancelled(work: "asyncio.Future[Any]") -> None:
    """Cancel the agents' runs and wait until each has ended (its effects undone)."""
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
