"""Runs cases as real goals on Temporal: each run of a case gets a worker of its own (its own
task queue and data folder, so one case's refund cannot change another's data), approvals are
answered as the case says, and the run is scored when it ends or times out."""

import asyncio
import importlib
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowHandle

from relay.agents.approvals import ApprovalPolicy, DecisionRequest, PendingApproval
from relay.agents.models import GoalRequest, GoalResult
from relay.app import App
from relay.client.errors import UserError
from relay.client.goals import start_goal
from relay.client.waiting import wait_for_result
from relay.evals.cases import ApprovalExpectation, EvalCase
from relay.evals.matching import Observed, ObservedCall, failures_of
from relay.settings import Settings
from relay.testing.scripted import Script
from relay.tools.memory_store import MemoryStore
from relay.tools.store import connect
from relay.tools.stores import open_store
from relay.worker import relay_worker
from relay.workflows.agent import AgentWorkflow
from relay.workflows.supervisor import SupervisorWorkflow

APPROVER = "relay-eval"  # who answers approvals; never the requester
REQUESTER = "relay-eval-requester"


class CaseRun(BaseModel):
    """One run of one case on one model route."""

    case_id: str
    route: str
    repeat: int
    workflow_id: str
    status: str
    passed: bool
    failures: list[str] = Field(default_factory=list)
    tool_match: float = 1.0
    latency_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    llm_calls: int = 0
    cached_calls: int = 0  # answered from the response cache (App(cache_responses=...))
    saved_usd: float = 0.0


@dataclass(frozen=True)
class CheckContext:
    """What an app's check function gets: the case, the goal's result (None when it did not
    finish), a connection to the run's own app database (None for an app without one) and the
    run's memory (None for an app without one)."""

    case: EvalCase
    result: GoalResult | None
    db: sqlite3.Connection | None
    memory: MemoryStore | None = None  # the run's memories and preferences (App(memory=...))


def is_scripted(route: str) -> bool:
    """The test double's route, bare or with a script file of its own."""
    return route == "scripted" or route.startswith("scripted:")


def _slug(route: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", route.lower()).strip("-")[:40] or "route"


class CaseRunner:
    def __init__(self, client: Client, settings: Settings, app: App, work_dir: Path) -> None:
        self._client = client
        self._settings = settings
        self._app = app
        self._work_dir = work_dir

    async def run(self, case: EvalCase, route: str, repeat: int) -> CaseRun:
        run_dir = self._work_dir / f"{_slug(route)}-{case.id}-{repeat}"
        run_dir.mkdir(parents=True, exist_ok=True)
        settings = self._settings.model_copy(
            update={
                "task_queue": f"eval-{uuid.uuid4().hex[:12]}",
                "data_dir": run_dir,
                "db_path": run_dir / f"{self._app.name}.db",
                "store_path": run_dir / "relay.db",
                # The harness answers approvals: the case says how, not a policy or a signature.
                "approval_policy": ApprovalPolicy(),
                "approval_secret": None,
            }
        )
        workflow_id = f"eval-{case.id}-{_slug(route)}-{repeat}-{uuid.uuid4().hex[:6]}"
        queue = settings.queue_for(self._app.name)
        async with relay_worker(self._client, settings, self._app) as worker, worker:
            seen = await self._earlier(case, route, run_dir, workflow_id, queue)
            result, latency = None, 0.0
            if seen is None:
                request = self._request(case, case.goal, None, case.script, route, run_dir / "goal")
                started = time.perf_counter()
                handle = await start_goal(self._client, request, workflow_id, queue)
                seen, result = await self._follow(handle, case, case.approvals)
                latency = time.perf_counter() - started
            if result is not None:
                seen.calls = await self._calls(result)
        seen.check_failure = _run_check(case, result, settings, self._app)
        failures, share = failures_of(case, seen)
        usage = result.usage if result is not None else None
        return CaseRun(
            case_id=case.id,
            route=route,
            repeat=repeat,
            workflow_id=workflow_id,
            status=seen.status,
            passed=not failures,
            failures=failures,
            tool_match=share,
            latency_s=latency,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cost_usd=usage.cost_usd if usage else None,
            llm_calls=usage.llm_calls if usage else 0,
            cached_calls=usage.cached_calls if usage else 0,
            saved_usd=usage.saved_usd if usage else 0.0,
        )

    async def _earlier(
        self, case: EvalCase, route: str, run_dir: Path, workflow_id: str, queue: str
    ) -> Observed | None:
        """Run the case's earlier goals in order; what failed the case, or None."""
        for n, earlier in enumerate(case.before, start=1):
            script_path = run_dir / f"before-{n}"
            request = self._request(
                case, earlier.goal, earlier.context, earlier.script, route, script_path
            )
            handle = await start_goal(self._client, request, f"{workflow_id}-before-{n}", queue)
            seen, _ = await self._follow(handle, case, earlier.approvals)
            if seen.status != earlier.status:
                seen.answer = f"earlier goal {n} ended {seen.status}: {seen.answer}"
                seen.status = "error"
                return seen
        return None

    def _request(
        self,
        case: EvalCase,
        goal: str,
        context: dict[str, str] | None,
        script: Script | None,
        route: str,
        script_path: Path,
    ) -> GoalRequest:
        model = route
        if is_scripted(route) and script is not None:
            script_path.with_suffix(".json").write_text(script.model_dump_json())
            model = f"scripted:{script_path.with_suffix('.json')}"
        return GoalRequest(
            goal=goal,
            context=case.context if context is None else context,
            model=model,
            requested_by=case.requested_by or REQUESTER,
            app=self._app.name,
            app_digest=self._app.digest,
        )

    async def _follow(
        self, handle: WorkflowHandle, case: EvalCase, approvals: list[ApprovalExpectation]
    ) -> tuple[Observed, GoalResult | None]:
        """Wait for the goal, answering its approvals as the case says; unexpected ones are
        rejected (and fail the case)."""
        seen = Observed(status="running")
        decisions = list(approvals)

        async def answer(pending: list[PendingApproval]) -> None:
            for approval in pending:
                expected = next((d for d in decisions if d.tool == approval.tool), None)
                if expected is None:
                    seen.unexpected_approvals.append(approval.tool)
                else:
                    decisions.remove(expected)
                    seen.approvals_asked.append(approval.tool)
                approve = expected is not None and expected.decision == "approve"
                await handle.execute_update(
                    SupervisorWorkflow.decide,
                    DecisionRequest(
                        approval_id=approval.approval_id,
                        approver=APPROVER,
                        approve=approve,
                        reason=f"relay eval: case {case.id} says "
                        + (expected.decision if expected else "none was expected"),
                    ),
                )

        try:
            result = await asyncio.wait_for(
                wait_for_result(handle, answer), timeout=case.timeout_seconds
            )
        except TimeoutError:
            await handle.terminate(reason=f"relay eval: over {case.timeout_seconds:g} s")
            seen.status = "timeout"
            seen.answer = f"no result within {case.timeout_seconds:g} s"
            return seen, None
        except UserError as err:
            seen.status, seen.answer = "error", str(err)
            return seen, None
        seen.status, seen.answer = result.status, result.answer
        return seen, result

    async def _calls(self, result: GoalResult) -> list[ObservedCall]:
        """Every tool call of the goal's agents, task by task, in the order each agent made them."""
        calls: list[ObservedCall] = []
        for task in result.tasks:
            if not task.workflow_id:
                continue  # skipped: never ran
            child = self._client.get_workflow_handle_for(AgentWorkflow.run, task.workflow_id)
            agent = await child.result()
            calls += [
                ObservedCall(
                    agent=task.agent,
                    tool=c.tool,
                    arguments=c.arguments,
                    outcome=c.outcome,
                    detail=c.detail,
                )
                for c in agent.tool_calls
            ]
        return calls


def _run_check(
    case: EvalCase, result: GoalResult | None, settings: Settings, app: App
) -> str | None:
    if case.check is None:
        return None
    module_name, _, name = case.check.partition(":")
    try:
        check: Callable[[CheckContext], str | None] = getattr(
            importlib.import_module(module_name), name
        )
    except (ImportError, AttributeError) as err:
        return f"cannot load it: {err}"
    db_path = settings.app_db(app.name)
    db = connect(Path(db_path)) if app.database is not None and isinstance(db_path, Path) else None
    memory = MemoryStore(open_store(settings.store())) if app.memory is not None else None
    try:
        return check(CheckContext(case=case, result=result, db=db, memory=memory))
    except Exception as err:  # a broken check fails its case, not the whole evaluation
        return f"raised {type(err).__name__}: {err}"
    finally:
        if db is not None:
            db.close()
