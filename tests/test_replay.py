"""Committed histories of real showcase runs must replay against the current workflow code."""

import json
from pathlib import Path

import pytest

from relay.client.replay import replay_file
from tests.cli_runner import relay_cli

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_committed() -> None:
    names = {h.stem for h in HISTORIES}
    for verdict in ("approve", "reject", "waited"):
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


def _hostile(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Files `relay replay` must refuse before the SDK sees them, and what it says."""
    source = json.loads(HISTORIES[0].read_text())
    bare_start = dict(
        source, events=[{"eventId": "1", "eventType": source["events"][0]["eventType"]}]
    )
    files = {
        "oversized": ("{}", "bytes; a history is at most 52428800 (Temporal's own limit)"),
        "bare-start": (json.dumps(bare_start), "the first event is not a workflow execution start"),
        "no-events": (json.dumps({"events": {}}), "is not a workflow history: no 'events' list"),
        "not-json": ("events: []", "cannot read history"),
        "bad-field": (
            json.dumps(dict(source, events=[dict(source["events"][0], eventId="x")])),
            "is not a workflow history: ",
        ),
    }
    written = {}
    for name, (body, said) in files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(body)
        written[name] = (path, said)
    with written["oversized"][0].open("r+b") as big:
        big.truncate(51 * 1024 * 1024)  # sparse: no 51 MB written, none read
    return written


async def test_relay_replay_refuses_hostile_files_in_one_line(tmp_path: Path) -> None:
    for name, (path, said) in _hostile(tmp_path).items():
        outcome = await relay_cli("replay", str(path))
        assert outcome.code == 1, (name, outcome)
        lines = outcome.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("relay: error: "), (name, outcome.err)
        assert said in lines[0], (name, lines[0])
