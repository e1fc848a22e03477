"""Committed histories of real showcase runs must replay against the current workflow code."""

from pathlib import Path

import pytest

from relay.temporal.replay import replay_file
from tests.cli_runner import relay_cli

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_committed() -> None:
    names = {h.stem for h in HISTORIES}
    for verdict in ("approve", "reject"):
        assert {
            f"showcase-{verdict}-{run}" for run in ("supervisor", "orders", "catalog", "returns")
        } <= names


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(history: Path) -> None:
    assert await replay_file(history) is None


async def test_relay_replay_says_compatible() -> None:
    outcome = await relay_cli("replay", str(HISTORIES[0]))
    assert outcome.code == 0, outcome.err
    assert outcome.out.strip() == "compatible: the history replays against the current code"


async def test_relay_replay_rejects_a_history_of_other_code(tmp_path: Path) -> None:
    # The approve run's supervisor history, relabelled: its commands no longer match.
    tampered = tmp_path / "tampered.json"
    source = next(h for h in HISTORIES if h.stem == "showcase-approve-supervisor")
    tampered.write_text(source.read_text().replace('"load_run_config"', '"load_config_v2"'))
    outcome = await relay_cli("replay", str(tampered))
    assert outcome.code == 1
    assert outcome.err.startswith("relay: error: NOT compatible with the current code")
