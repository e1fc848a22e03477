"""A worker that cannot find what a run refers to says so in one line and never guesses: tool
schemas by a digest neither it nor the goal's history knows; a conversation neither it nor the
run's history holds. A digest the goal recorded is read back from its history."""

import dataclasses

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from relay.activities.llm import LlmActivities
from relay.agents.argument_check import ArgumentCheck
from relay.agents.llm_models import LlmRequest, Message
from relay.agents.run_config import RunConfig
from tests.conftest import Relay


async def test_unknown_digests_and_conversations_fail_in_one_line(relay: Relay) -> None:
    handle = await relay.start()
    await relay.approve_all(handle)
    [loaded] = await relay.activity_runs(handle.id, "load_run_config")
    digest = RunConfig.model_validate(loaded.result).tool_digests["orders"]
    # An activity of the goal's orders agent, on a worker that has seen none of its tools.
    env = ActivityEnvironment(client=relay.client)
    env.info = dataclasses.replace(
        env.info, workflow_id=f"{handle.id}/orders-1", workflow_run_id=""
    )
    llm = LlmActivities(relay.settings)

    def check(tools_digest: str, tool: str, **arguments: object) -> ArgumentCheck:
        return ArgumentCheck(tools_digest=tools_digest, tool=tool, arguments=arguments)

    read_back = await env.run(
        llm.check_tool_arguments, check(digest, "get_last_order", customer_id="1")
    )
    assert read_back.error is not None and read_back.error.startswith(
        "customer_id: '1' does not match"
    )
    valid = await env.run(
        llm.check_tool_arguments, check(digest, "get_last_order", customer_id="C-1")
    )
    assert valid.error is None
    not_its = await env.run(llm.check_tool_arguments, check(digest, "issue_refund"))
    assert not_its.error == "issue_refund is not among the run's tools"

    with pytest.raises(ApplicationError) as tools:
        await env.run(llm.check_tool_arguments, check("f" * 32, "get_last_order"))
    assert (tools.value.type, tools.value.non_retryable) == ("ToolsUnknown", True)
    assert tools.value.message == (
        f"this worker does not know the tools with digest {'f' * 32}, and the goal's history "
        "does not record them"
    )

    turn = LlmRequest(
        model="scripted",
        purpose="agent",
        agent="orders",
        messages=[Message(role="user", content="and then?")],
        continues="e" * 32,
    )
    with pytest.raises(ApplicationError) as conversation:
        await env.run(llm.call_llm, turn)
    assert (conversation.value.type, conversation.value.non_retryable) == (
        "ConversationUnknown",
        True,
    )
    assert conversation.value.message.startswith(f"the conversation {'e' * 32} this turn continues")
