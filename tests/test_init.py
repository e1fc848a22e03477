"""`relay init NAME` writes a project whose own `make test` passes at once, offline (its tests
run goals on the time-skipping test server), and whose five eval cases pass on the scripted
route."""

import json
import sys
from pathlib import Path

from relay.evals.cases import load_cases
from relay.temporal.devserver import DevServer
from tests.cli_runner import relay_cli, run_command


async def test_a_new_project_passes_its_own_tests_and_evals(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    made = await relay_cli("init", "refunds", "--into", str(tmp_path))
    assert made.code == 0, made.err
    project = tmp_path / "refunds"
    assert "cd " in made.out and "make test" in made.out

    tested = await run_command(
        "make", "-C", str(project), "test", f"PYTHON={sys.executable}", timeout=300
    )
    assert tested.code == 0, tested.out + tested.err
    assert "2 passed" in tested.out

    assert len(load_cases(project / "evals.jsonl")) == 5
    evaluated = await run_command(
        sys.executable,
        "-m",
        "relay.cli",
        "eval",
        "evals.jsonl",
        "--app",
        "refunds.app:app",
        "--model",
        "scripted",
        "--out",
        "out",
        env={"TEMPORAL_ADDRESS": temporal_server.address, "PYTHONPATH": str(project)},
        timeout=300,
        cwd=project,
    )
    assert evaluated.code == 0, evaluated.out + evaluated.err
    report = json.loads((project / "out" / "results.json").read_text())
    assert [r["passed"] for r in report["runs"]] == [True] * 5


async def test_init_refuses_a_bad_name_or_a_folder_in_use(tmp_path: Path) -> None:
    bad = await relay_cli("init", "My App", "--into", str(tmp_path))
    assert bad.code == 1 and bad.err.strip() == (
        "relay: error: project name 'My App': lowercase letters, digits and '_', starting with "
        "a letter"
    )
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    taken = await relay_cli("init", "taken", "--into", str(tmp_path))
    assert taken.code == 1 and "exists and is not empty" in taken.err
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
