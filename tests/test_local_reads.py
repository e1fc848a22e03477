"""Reads as local activities: on a worker that caches workflows, an agent's reads of relay's
own tools (and a guard's check before a human is asked) run in its workflow task, recorded as
one marker each, while writes stay activities. Whatever reads history sees them as before:
`relay status` of a running agent, the inbox's evidence, replay, `relay eval record`."""

import json

from pydantic import SecretStr
from temporalio.api.history.v1 import HistoryEvent

from relay.agents.approvals import ApprovalDecision, DecisionRequest
from relay.agents.tool_models import ToolObservation
from relay.client.replay import replay_workflow
from relay.temporal.activity_records import activity_records
from relay.temporal.devserver import DevServer
from relay.temporal.goal_history import tool_results
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import running_relay
from tests.test_approval_edits import SECRET, signed
from tests.test_cli import env_for


def _calls(events: list[HistoryEvent]) -> tuple[list[str], list[str]]:
    """The tool calls of a run: those that ran locally, and those that ran as activities."""
    local, plain = [], []
    for record in activity_records(events):
        if record.kind != "tool" or record.result is None:
            continue
        [data] = record.result.payloads
        observation = ToolObservation.model_validate_json(data.data)
        if record.input is None:
            assert observation.request is not None
            guard = " (guard)" if observation.request.check_only else ""
            local.append(observation.tool + guard)
        else:
            plain.append(observation.tool)
    return local, plain


async def test_reads_run_locally_on_a_worker_that_caches_workflows(
    temporal_server: DevServer, tmp_path
) -> None:
    cached = {"max_cached_workflows": 100}
    async with running_relay(temporal_server, tmp_path, worker_options=cached) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        waiting = await relay_cli("status", handle.id, env=env_for(relay))
        evidence = await tool_results(relay.client, pending.workflow_id)
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
        result = await handle.result()
        returns = relay.client.get_workflow_handle(pending.workflow_id)
        events = [e async for e in returns.fetch_history_events()]
        replayed = [await replay_workflow(relay.client, w) for w in (handle.id, returns.id)]
        recorded = await relay_cli("eval", "record", handle.id, env=env_for(relay))

    assert result.status == "completed" and "refund F-9001" in result.answer
    assert relay.rows("SELECT return_id, amount_cents FROM refunds") == [
        {"return_id": "R-7001", "amount_cents": 7900}
    ]
    local, plain = _calls(events)
    assert local == ["check_return_eligibility", "issue_refund (guard)"]
    assert plain == ["create_return", "issue_refund"]
    # While it waited: relay status read the agent's calls from history, local ones too, and
    # the inbox's evidence has the eligibility check's result.
    assert '↳ check_return_eligibility({"order_id": "O-5002", "product_id": "P-101"}) · ok' in (
        waiting.out
    )
    seen = {request.tool: observation.data for request, observation in evidence}
    assert seen["check_return_eligibility"]["eligible"] is True and "create_return" in seen
    assert replayed == [None, None]
    # relay eval record makes a case of the run, reads included, in the order they ran.
    case = json.loads(recorded.out)
    assert [t["tool"] for t in case["tools"]] == [
        "get_last_order",
        "find_similar_products",
        "check_return_eligibility",
        "create_return",
        "issue_refund",
    ]


async def test_a_signed_decision_is_checked_locally_on_a_worker_that_caches_workflows(
    temporal_server: DevServer, tmp_path
) -> None:
    """The signature check runs in the agent's workflow task there (a worker without a cache,
    as in the other tests, checks it in an activity of its own)."""
    cached = {"max_cached_workflows": 100}
    async with running_relay(
        temporal_server, tmp_path, worker_options=cached, approval_secret=SecretStr(SECRET)
    ) as relay:
        handle = await relay.start()
        pending = await relay.next_pending(handle)
        request = DecisionRequest(approval_id=pending.approval_id, approver="fiona", approve=True)
        record = await handle.execute_update(SupervisorWorkflow.decide, signed(request, pending))
        result = await handle.result()
        returns = relay.client.get_workflow_handle(pending.workflow_id)
        records = activity_records([e async for e in returns.fetch_history_events()])
        replayed = await replay_workflow(relay.client, returns.id)

    assert (record.verdict, result.status) == ("approved", "completed")
    checks = [r for r in records if r.kind == "verify_decision"]
    assert len(checks) == 1 and checks[0].input is None  # a local activity: one marker
    assert replayed is None
