"""Changing workflow code safely: a change that adds a step breaks the replay of committed
histories (CI fails), and the same change behind `workflow.patched` replays them cleanly while
new runs take the new path."""

from pathlib import Path

import pytest

from relay.client.replay import replay_file
from relay.workflows.agent import AgentWorkflow
from tests.cli_runner import relay_cli
from tests.conftest import Relay
from tests.reliability import Describe
from tests.test_cli import env_for
from tests.workflow_versions import ChangedSupervisor, PatchedSupervisor

HISTORY = Path(__file__).parent / "histories" / "showcase-approve-supervisor.json"


@pytest.mark.faults
async def test_an_unpatched_change_fails_replay(
    reliability: Describe,
) -> None:
    reliability(
        "non-determinism after a code change",
        "the supervisor gains a timer; the committed history is replayed",
        "replay fails with a nondeterminism error (the patched version passes)",
    )
    verdict = await replay_file(HISTORY, [ChangedSupervisor, AgentWorkflow])
    assert verdict is not None and "Nondeterminism" in verdict


async def test_the_patched_change_replays_old_histories() -> None:
    assert await replay_file(HISTORY, [PatchedSupervisor, AgentWorkflow]) is None


async def test_relay_replay_fetches_a_history_from_the_server(relay: Relay) -> None:
    handle = await relay.start(goal="Can you recommend a shirt like P-101 that comes in green?")
    await handle.result()
    outcome = await relay_cli("replay", "--workflow-id", handle.id, env=env_for(relay))
    assert outcome.code == 0, outcome.err
    assert outcome.out.strip() == "compatible: the history replays against the current code"
