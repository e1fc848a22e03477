"""`ask_human`: an agent asks the goal's requester and waits durably for the answer, which
comes back as the tool's result; unanswered questions expire like approvals; a run may ask only
so many; only the requester answers (`relay answer`, POST /approvals)."""

import asyncio

import httpx
from pydantic import SecretStr
from temporalio.client import WorkflowHandle

from examples.shop.app import app as shop
from examples.shop.tools import SHOP
from relay import Agent, App
from relay.agents.llm_models import LlmRequest
from relay.agents.questions import MAX_QUESTIONS
from relay.client.replay import replay_workflow
from relay.testing import FunctionModel, plan, run_goal, tool_call
from relay.testing.goal_runner import Decide, GoalRun
from tests.cli_runner import relay_cli
from tests.conftest import Relay, running_relay
from tests.serve_process import SECRET, bearer, serve_process
from tests.test_agent_loop import call
from tests.test_cli import env_for

ORDERS = Agent(
    name="orders",
    description="Looks up orders and asks the customer when something is unclear.",
    instructions="Find the customer's order; ask them when you must.",
    tools=["get_last_order", "ask_human"],
)
ASKING = App(name="asking", agents=[ORDERS], tools=SHOP, database=shop.database)
QUESTION = "Which of your orders do you mean, the last one or an older one?"


def asking_model(seen: list[str]) -> FunctionModel:
    """Asks once, then answers with whatever the tool result said."""

    def answer(request: LlmRequest) -> object:
        if request.purpose == "plan":
            return plan({"id": "o", "agent": "orders", "instruction": "Find the order."})
        if request.purpose != "agent":
            return "Done."
        last = request.messages[-1]
        if last.role != "tool":
            return tool_call("ask_human", question=QUESTION)
        seen.append(last.content)
        return "I asked the customer."

    return FunctionModel(answer)


async def asked_once(decide: Decide) -> tuple[GoalRun, list[str]]:
    """ada's goal whose agent asks once; what the model saw after asking."""
    seen: list[str] = []
    run = await run_goal(
        ASKING,
        "Where is my order?",
        model=asking_model(seen),
        context={"customer_id": "C-1001"},
        requested_by="ada",
        decide=decide,
    )
    return run, seen


async def test_the_requesters_answer_is_the_tools_result() -> None:
    run, seen = await asked_once(lambda pending: "the last one, please")

    [asked] = run.asked
    assert (asked.kind, asked.reason, asked.approvers) == ("question", QUESTION, ["ada"])
    assert "the last one, please" in seen[0] and '"answered_by":"ada"' in seen[0]
    [answered] = run.result.approvals
    assert (answered.answer, answered.approver, answered.verdict) == (
        "the last one, please",
        "ada",
        "approved",
    )
    assert [(c.tool, c.outcome) for c in run.tool_calls] == [("ask_human", "ok")]
    assert run.result.status == "completed"


async def test_an_unanswered_question_expires_and_the_agent_goes_on() -> None:
    run, seen = await asked_once(lambda pending: None)  # nobody answers: its timer fires

    assert "no answer: the question was expired by relay:timeout" in seen[0]
    assert [(c.tool, c.outcome) for c in run.tool_calls] == [("ask_human", "rejected")]
    assert run.result.status == "completed"  # an unanswered question is not a rejected action


async def test_a_run_asks_at_most_a_few_questions() -> None:
    def keeps_asking(request: LlmRequest) -> object:
        if request.purpose == "plan":
            return plan({"id": "o", "agent": "orders", "instruction": "Find the order."})
        if request.purpose != "agent":
            return "Done."
        asked = sum(1 for m in request.messages if m.role == "tool")
        return tool_call("ask_human", question=f"Question {asked}?") if asked < 5 else "Fine."

    run = await run_goal(
        ASKING,
        "Where is my order?",
        model=FunctionModel(keeps_asking),
        context={"customer_id": "C-1001"},
        decide=lambda pending: "yes",
    )

    outcomes = [c.outcome for c in run.tool_calls if c.tool == "ask_human"]
    assert outcomes[:MAX_QUESTIONS] == ["ok"] * MAX_QUESTIONS
    assert outcomes[MAX_QUESTIONS] == "refused" and len(run.asked) == MAX_QUESTIONS
    refused = next(c for c in run.tool_calls if c.outcome == "refused")
    assert f"you asked {MAX_QUESTIONS} questions already" in refused.detail


async def asking_goal(relay: Relay) -> WorkflowHandle:
    """ada's goal, whose orders agent asks her QUESTION (scripted), then answers "Ok."."""
    script = relay.script(
        {
            "plan": [{"content": plan({"id": "o", "agent": "orders", "instruction": "Ask."})}],
            "agents": {"orders": [call("ask_human", question=QUESTION), {"content": "Ok."}]},
            "synthesize": [{"content": "Ok."}],
        }
    )
    return await relay.start(
        goal="Where is my order?", model=script, requested_by="ada", app="asking"
    )


async def test_only_the_requester_answers_from_the_command_line(temporal_server, tmp_path) -> None:
    async with running_relay(temporal_server, tmp_path, app=ASKING) as relay:
        handle = await asking_goal(relay)
        pending = await relay.next_pending(handle)
        env = env_for(relay)

        approve = await relay_cli("approve", handle.id, "--as", "ada", env=env)
        assert approve.code == 1 and f"{pending.approval_id} is a question from orders" in (
            approve.err
        )
        bob = await relay_cli("answer", handle.id, "--as", "bob", "--text", "the last", env=env)
        assert bob.code == 1
        assert "only ada, who started the goal, answers its questions" in bob.err
        ada = await relay_cli("answer", handle.id, "--as", "ada", "--text", "the last", env=env)
        assert ada.code == 0, ada.err
        assert ada.out.strip() == f"{pending.approval_id}: answered by ada"
        result = await handle.result()
        for run in (handle.id, pending.workflow_id):
            assert await replay_workflow(relay.client, run) is None

    assert result.status == "completed"
    assert [(a.kind, a.answer) for a in result.approvals] == [("question", "the last")]
    refused = [e for e in result.audit if not e.accepted]
    assert [e.approver for e in refused] == ["bob"]


async def test_an_unanswered_question_expires_on_a_real_server_and_replays(
    temporal_server, tmp_path
) -> None:
    async with running_relay(
        temporal_server, tmp_path, app=ASKING, approval_timeout_seconds=1
    ) as relay:
        handle = await asking_goal(relay)  # nobody answers: the question's timer fires
        result = await handle.result()
        for run in (handle.id, f"{handle.id}/orders-1"):
            assert await replay_workflow(relay.client, run) is None

    assert result.status == "completed"  # an unanswered question is not a rejected action
    [expired] = result.approvals
    assert (expired.kind, expired.verdict, expired.approver) == (
        "question",
        "expired",
        "relay:timeout",
    )


async def test_the_requester_answers_in_the_inbox_api(temporal_server, tmp_path) -> None:
    async with (
        running_relay(
            temporal_server, tmp_path, app=ASKING, approval_secret=SecretStr(SECRET)
        ) as relay,
        serve_process(relay, tmp_path / "serve.log") as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        handle = await asking_goal(relay)
        pending = await relay.next_pending(handle)
        for _ in range(300):  # until visibility lists the waiting agent
            listed = (await http.get("/approvals", headers=bearer("ada"))).json()
            if listed:
                break
            await asyncio.sleep(0.1)
        [item] = listed
        assert (item["approval"]["kind"], item["approval"]["reason"]) == ("question", QUESTION)
        assert (await http.get("/approvals", headers=bearer("fiona"))).json() == []

        path = f"/approvals/{handle.id}/{pending.approval_id}"
        fiona = await http.post(
            path, json={"decision": "approve", "answer": "x"}, headers=bearer("fiona")
        )
        assert fiona.status_code == 403
        assert fiona.json()["error"] == "only ada, who started the goal, answers its questions"
        empty = await http.post(path, json={"decision": "approve"}, headers=bearer("ada"))
        assert empty.status_code == 422 and "answered with `answer`" in empty.text
        ada = await http.post(
            path, json={"decision": "approve", "answer": "the last"}, headers=bearer("ada")
        )
        assert ada.status_code == 200, ada.text
        assert (ada.json()["answer"], ada.json()["approver"]) == ("the last", "ada")
        assert (await handle.result()).status == "completed"
