"""An agent's conversation by reference: each model turn records only the messages it added and
names the conversation it continues; the whole conversation is rebuilt from history alone, and
a worker that has not seen the earlier turns (a restart) reads them back from there, and so
does `relay conversation` for an auditor."""

import json
from pathlib import Path

from relay.agents.approvals import ApprovalDecision
from relay.agents.conversation_chain import ConversationSender, chained, conversations
from relay.agents.llm_models import LlmRequest, Message
from relay.client.replay import replay_workflow
from relay.temporal.devserver import DevServer
from relay.workflows.supervisor import SupervisorWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import relay_settings, running_relay
from tests.test_cli import env_for


def _said(*texts: str) -> list[Message]:
    return [Message(role="user", content=text) for text in texts]


def _request(messages: list[Message], continues: str | None) -> LlmRequest:
    return LlmRequest(model="m", purpose="agent", agent="a", messages=messages, continues=continues)


def test_turns_send_what_they_added_and_the_history_rebuilds_each_whole_conversation() -> None:
    sender = ConversationSender()
    conversation = _said("system", "task")
    first = sender.next_turn(conversation)
    conversation = [*conversation, *_said("answer", "tool result")]
    second = sender.next_turn(conversation)
    folded = [conversation[0], *_said("summary"), conversation[-1]]  # a fold rewrites it
    third = sender.next_turn(folded)
    fourth = sender.next_turn([*folded, *_said("more")])

    assert first == (conversation[:2], None)
    assert second[0] == conversation[2:] and second[1] == chained(None, conversation[:2])
    assert third == (folded, None)  # not an append: sent whole
    assert [m.content for m in fourth[0]] == ["more"] and fourth[1] is not None

    requests = [_request(*turn) for turn in (first, second, third, fourth)]
    rebuilt = conversations(requests)
    wholes = [rebuilt[chained(r.continues, r.messages)] for r in requests]
    assert [[m.content for m in w] for w in wholes] == [
        ["system", "task"],
        ["system", "task", "answer", "tool result"],
        ["system", "summary", "tool result"],
        ["system", "summary", "tool result", "more"],
    ]
    # A turn continuing what the history does not hold is not made up.
    assert conversations([_request(_said("x"), "unknown")]) == {}


async def test_a_restarted_worker_reads_the_conversation_back_from_history(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """The returns agent's refund waits for a human; its worker stops, and a new one (which
    has seen none of its turns) takes the agent's next turn. The scripted model picks its
    reply by the turns in the conversation, so a turn given only its own messages would go
    astray; the goal completes as it does on one worker."""
    pinned = {"task_queue": relay_settings(temporal_server, tmp_path).task_queue}
    async with running_relay(temporal_server, tmp_path, **pinned) as before:
        handle = await before.start()
        pending = await before.next_pending(handle)
    async with running_relay(temporal_server, tmp_path, **pinned) as after:
        await handle.signal(
            SupervisorWorkflow.approve,
            ApprovalDecision(approval_id=pending.approval_id, approver="alice"),
        )
        result = await handle.result()
        returns = f"{handle.id}/returns-1"
        history = await after.client.get_workflow_handle(returns).fetch_history()
        recorded = [
            (await after.client.data_converter.decode(a.input.payloads, [LlmRequest]))[0]
            for a in (
                e.activity_task_scheduled_event_attributes
                for e in history.events
                if e.HasField("activity_task_scheduled_event_attributes")
            )
            if a.activity_type.name == "llm"
        ]
        seen = [run.input["messages"] for run in await after.activity_runs(returns, "llm")]
        replayed = [await replay_workflow(after.client, w) for w in (handle.id, returns)]
        env = env_for(after)
        step_two = await relay_cli("conversation", returns, "--step", "2", env=env)
        as_json = await relay_cli("conversation", returns, "--json", env=env)
        unknown = await relay_cli("conversation", f"{handle.id}/nobody-1", env=env)
        not_an_agent = await relay_cli("conversation", handle.id, env=env)

    assert result.status == "completed" and "refund F-9001" in result.answer
    assert replayed == [None, None]
    # The first turn sends the opening; each later one only what it added, continuing the last.
    assert recorded[0].continues is None and len(recorded) == len(seen) >= 3
    for turn, earlier in zip(recorded[1:], recorded, strict=False):
        assert turn.continues == chained(earlier.continues, earlier.messages)
        assert turn.messages[0].role == "assistant"
    # What the model saw grew turn by turn: the whole conversation, rebuilt from history.
    assert [len(s) for s in seen] == sorted(len(s) for s in seen)
    assert seen[-1][: len(seen[0])] == seen[0]
    # `relay conversation` shows an auditor what the model saw at a turn, from history alone.
    assert step_two.code == 0, step_two.err
    head, system, *rest = step_two.out.splitlines()
    assert head == f"{returns} · step 2 · scripted · {len(seen[1])} messages"
    assert system.startswith("  [system] You are the returns specialist")
    assert any(line.startswith("  [tool check_return_eligibility]") for line in rest)
    assert any("→ check_return_eligibility(" in line for line in rest)
    turns = json.loads(as_json.out)
    assert [len(t["messages"]) for t in turns] == [len(s) for s in seen]
    assert [t["messages"] for t in turns] == seen
    assert unknown.code == 1 and unknown.err.strip() == (
        f"relay: error: no run '{handle.id}/nobody-1' in this namespace"
    )
    assert not_an_agent.code == 1 and "recorded no agent model turn" in not_an_agent.err
