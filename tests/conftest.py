"""Fixtures: one real Temporal dev server for the session; a fresh worker, task queue and shop
database for each test. Workers run with max_cached_workflows=0 so every step is replayed."""

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHandle

from examples.shop.app import SHOWCASE_CUSTOMER, SHOWCASE_GOAL
from examples.shop.app import app as shop_app
from relay.agents.approvals import ApprovalDecision, PendingApproval
from relay.agents.conversation_chain import chained, whole
from relay.agents.llm_models import LlmRequest, LlmResponse, Message
from relay.agents.models import AgentResult, GoalRequest, GoalResult
from relay.agents.run_config import RunConfig, RunConfigRequest
from relay.agents.tool_models import ToolObservation, ToolOutcome, ToolRequest
from relay.app import App
from relay.client.goals import start_goal
from relay.settings import Settings
from relay.temporal.activity_records import activity_records
from relay.temporal.compression import CompressionCodec
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port
from relay.tools.store import Store, connect
from relay.tools.stores import open_store
from relay.worker import relay_worker
from relay.workflows.agent import AgentWorkflow
from relay.workflows.supervisor import SupervisorWorkflow
from tests.postgres_server import new_database, postgres_bin, postgres_server
from tests.reliability import Case, write_report

RELIABILITY: list[tuple[Case, str]] = []


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Callable[..., Case]:
    """A `faults` test describes its case; the outcome and timing go to docs/RELIABILITY.md."""

    def describe(name: str, injected: str, checked: str) -> Case:
        case = Case(name, injected, checked)
        request.node.reliability_case = case
        return case

    return describe


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    case = getattr(item, "reliability_case", None)
    if case is not None and report.when == "call":
        RELIABILITY.append((case, "pass" if report.passed else "FAIL"))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Publish only when asked (`make test-faults REPORT=1`), so a test run leaves the checkout
    clean, and only a complete picture: every collected `faults` test must have reported."""
    faults = [i for i in session.items if i.get_closest_marker("faults")]
    asked = os.environ.get("RELAY_RELIABILITY_REPORT") == "1"
    if asked and faults and len(RELIABILITY) == len(faults):
        write_report(RELIABILITY)


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    data = tmp_path_factory.mktemp("temporal")
    server = DevServer(
        db_file=data / "temporal.db", port=free_port(), ui_port=None, log_file=data / "server.log"
    )
    server.start()
    yield server
    server.stop()


ORDERS_ONLY = {
    "content": '{"tasks": [{"id": "o", "agent": "orders", "instruction": '
    '"Find the last order and the blue shirt in it."}]}'
}


@dataclass
class ActivityRun:
    input: Any
    attempt: int
    result: Any


@dataclass
class Relay:
    """A running worker against the test server, plus helpers a test needs."""

    client: Client
    settings: Settings
    tmp_path: Path

    def script(self, body: dict[str, Any]) -> str:
        """A `scripted:FILE` route for canned replies (see relay.testing: testing/scripted.py)."""
        path = self.tmp_path / f"script-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(body))
        return f"scripted:{path}"

    def orders_script(self, replies: list[dict[str, Any]]) -> str:
        """A script whose plan is one orders task, played by these agent replies."""
        return self.script({"plan": [ORDERS_ONLY], "agents": {"orders": replies}})

    async def start(
        self,
        goal: str = SHOWCASE_GOAL,
        customer: str | None = SHOWCASE_CUSTOMER,
        model: str | None = None,
        **request: Any,
    ) -> WorkflowHandle:
        return await start_goal(
            self.client,
            GoalRequest(goal=goal, customer_id=customer, model=model, **request),
            f"test-{uuid.uuid4().hex[:10]}",
            self.settings.task_queue,
        )

    async def next_pending(self, handle: WorkflowHandle) -> PendingApproval:
        """Block until the run reports a pending approval (waits on the server, no sleeps)."""
        async for pending in self.pending_stream(handle):
            return pending
        raise AssertionError("the run ended without asking for approval")

    async def pending_stream(self, handle: WorkflowHandle) -> AsyncIterator[PendingApproval]:
        """Each new pending approval once. It long-polls the run's history on the server
        instead of sleeping: after an agent's `agent_notice` signal, every further event
        (its workflow task completing, at the latest) is a moment to ask the query again."""
        requested, seen = 0, set()
        async for event in handle.fetch_history_events(wait_new_event=True):
            attrs = event.workflow_execution_signaled_event_attributes
            if (
                event.HasField("workflow_execution_signaled_event_attributes")
                and attrs.signal_name == "agent_notice"
            ):
                requested += 1
            if requested > len(seen):
                for pending in await handle.query(SupervisorWorkflow.pending_approvals):
                    if pending.approval_id not in seen:
                        seen.add(pending.approval_id)
                        yield pending
            if event.HasField("workflow_execution_completed_event_attributes") or event.HasField(
                "workflow_execution_failed_event_attributes"
            ):
                return

    async def approve_all(self, handle: WorkflowHandle) -> GoalResult:
        """Approve every approval the run asks for, as alice, and return its result."""
        async for pending in self.pending_stream(handle):
            await handle.signal(
                SupervisorWorkflow.approve,
                ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
            )
        return await handle.result()

    async def child_result(self, workflow_id: str) -> AgentResult:
        return await self.client.get_workflow_handle_for(AgentWorkflow.run, workflow_id).result()

    async def activity_runs(self, workflow_id: str, activity_type: str) -> list[ActivityRun]:
        """Each completed activity of a type in a run's history: its input, the attempt that
        completed it and its result, as JSON with every field (history leaves defaults out).
        A model call's input has the whole conversation the model saw (an agent's turn records
        only what it added: agents/conversation_chain.py)."""
        conversations: dict[str, list[Message]] = {}
        handle = self.client.get_workflow_handle(workflow_id)
        events = [event async for event in handle.fetch_history_events()]
        runs = []
        for record in activity_records(events):
            if record.kind != activity_type or record.result is None:
                continue
            result = await self._whole(activity_type, 1, record.result)
            if record.input is None:  # a local activity: its result names the call
                asked = ToolRequest.model_validate(result["request"]).model_dump(mode="json")
            else:
                asked = await self._whole(activity_type, 0, record.input)
            if activity_type == "llm":
                asked = _seen(asked, conversations)
            runs.append(ActivityRun(input=asked, attempt=record.attempt, result=result))
        return runs

    async def _whole(self, activity_type: str, which: int, payloads: Any) -> Any:
        """A payload of a history as JSON with every field (decoded as relay's clients do)."""
        model = ACTIVITY_MODELS[activity_type][which]
        [value] = await self.client.data_converter.decode(payloads.payloads[:1], [model])
        return value.model_dump(mode="json")

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows of the app's database (the shop's, where its ledger lives too)."""
        assert self.settings.db_path is not None
        return query(self.settings.db_path, sql, *params)

    def store_rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows of relay's own store (stored results; the ledger of apps without a database)."""
        return query(self.settings.store(), sql, *params)


# An activity's (input, result) models, to read its payloads with their defaults filled in.
ACTIVITY_MODELS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "llm": (LlmRequest, LlmResponse),
    "tool": (ToolRequest, ToolObservation),
    "mcp_tool": (ToolRequest, ToolObservation),
    "tool_outcome": (ToolRequest, ToolOutcome),
    "load_run_config": (RunConfigRequest, RunConfig),
}


def _seen(raw: dict[str, Any], conversations: dict[str, list[Message]]) -> dict[str, Any]:
    """A model request as the model saw it, given the run's conversations before it."""
    request = LlmRequest.model_validate(raw)
    seen = whole(request, conversations)
    assert seen is not None, f"a turn continues an unknown conversation {request.continues}"
    conversations[chained(request.continues, request.messages)] = seen
    return request.model_copy(update={"messages": seen, "continues": None}).model_dump(mode="json")


def payload_json(payload: Payload) -> Any:
    """A history payload's JSON as stored plain or compressed (relay's internal shapes are,
    once large: temporal/compression.py)."""
    return json.loads(CompressionCodec.decompress(payload).data)


def query(path: Path | str, sql: str, *params: Any) -> list[dict[str, Any]]:
    db = connect(Path(path))
    try:
        return [dict(r) for r in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def relay_settings(server: DevServer, tmp_path: Path, **overrides: Any) -> Settings:
    defaults: dict[str, Any] = {
        "temporal_address": server.address,
        "task_queue": f"q-{uuid.uuid4().hex[:8]}",
        "data_dir": tmp_path,
        "db_path": tmp_path / "shop.db",
    }
    return Settings(**(defaults | overrides))


@contextlib.asynccontextmanager
async def running_relay(
    server: DevServer,
    tmp_path: Path,
    app: App = shop_app,
    worker_options: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[Relay]:
    """A worker for an app (the shop by default) with its own task queue and data directory;
    settings may be overridden."""
    settings = relay_settings(server, tmp_path, **overrides)
    client = await connect_client(settings, wait_seconds=30)
    async with (
        relay_worker(
            client, settings, app, **({"max_cached_workflows": 0} | dict(worker_options or {}))
        ) as worker,
        worker,
    ):
        yield Relay(client=client, settings=settings, tmp_path=tmp_path)


@pytest.fixture
async def relay(temporal_server: DevServer, tmp_path: Path) -> AsyncIterator[Relay]:
    async with running_relay(temporal_server, tmp_path) as running:
        yield running


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A real PostgreSQL server for the session (tests/postgres_server.py); its URL."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (Debian's postgresql; .ci/run installs it)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres_server(bin_dir) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def relay_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """relay's store on each backend: a SQLite file, and a fresh database on a real
    PostgreSQL (the session's `postgres`), with its ledger tables."""
    if request.param == "sqlite":
        location: Path | str = tmp_path / "relay.db"
    else:
        location = new_database(request.getfixturevalue("postgres"))
    store = open_store(location)
    store.create_schema(results=True)
    return store
