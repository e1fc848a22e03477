"""`relay eval` end to end against a real dev server: cases run as goals with approvals answered
as they say, a broken expectation reported with its workflow id, two runs compared, and a real
run recorded (from the server and from a history file) as a case that replays offline and says
where behaviour changed."""

import json
from pathlib import Path

import pytest

from examples.golden_cases import as_jsonl, golden_sets
from relay.evals.cases import CasesError, load_cases
from tests.cli_runner import relay_cli
from tests.conftest import Relay
from tests.test_cli import env_for

REPO = Path(__file__).resolve().parent.parent
SHOWCASE = {
    "goal": "I want to return the blue shirt from my last order, but can you first recommend "
    "a similar one that comes in green?",
    "context": {"customer_id": "C-1001"},
}
APPROVED = {
    "id": "showcase-approved",
    **SHOWCASE,
    "status": "completed",
    "answer_includes": ["R-7001"],
    "tools": [
        {"tool": "get_last_order"},
        {"tool": "create_return", "arguments": {"order_id": "O-5002"}},
        {"tool": "issue_refund", "arguments": {"amount": {"$gt": 50}}},
    ],
    "tools_in_order": True,
    "approvals": [{"tool": "issue_refund", "decision": "approve"}],
    "check": "examples.shop.checks:one_refund_per_return",
}
REJECTED = {
    "id": "showcase-rejected",
    **SHOWCASE,
    "status": "rejected",
    "approvals": [{"tool": "issue_refund", "decision": "reject"}],
    "forbidden_tools": [{"tool": "issue_refund"}],
}


def write_cases(path: Path, *cases: dict) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    return path


def test_a_bad_case_is_one_line_naming_the_case_and_field(tmp_path: Path) -> None:
    bad = {
        **REJECTED,
        "tools": [{"tool": "issue_refund", "arguments": {"amount": {"$gt": 1, "$lt": 9}}}],
    }
    with pytest.raises(CasesError) as err:
        load_cases(write_cases(tmp_path / "cases.jsonl", APPROVED, bad))
    assert str(err.value) == (
        f"{tmp_path}/cases.jsonl:2: case 'showcase-rejected': tools.0.arguments: argument "
        "'amount': a matcher is one of ['$any', '$contains', '$gt', '$gte', '$lt', '$lte', "
        "'$regex'], alone"
    )
    with pytest.raises(CasesError, match=r"cases.jsonl:1: case 'x': answer_include: Extra"):
        load_cases(
            write_cases(tmp_path / "cases.jsonl", {"id": "x", "goal": "g", "answer_include": []})
        )


async def test_eval_runs_cases_reports_failures_and_compares(relay: Relay, tmp_path: Path) -> None:
    env = {"TEMPORAL_ADDRESS": relay.settings.temporal_address}
    cases = write_cases(tmp_path / "cases.jsonl", APPROVED, REJECTED)
    first = await relay_cli(
        "eval",
        str(cases),
        "--model",
        "scripted",
        "--repeat",
        "2",
        "--out",
        str(tmp_path / "a"),
        env=env,
    )
    assert first.code == 0, first.err
    assert "scripted                       100%    100%   100%" in first.out
    assert "2/4 runs" in first.err or "4/4 runs" in first.err  # the progress line
    report = json.loads((tmp_path / "a" / "results.json").read_text())
    assert [r["passed"] for r in report["runs"]] == [True] * 4
    assert "<svg" in (tmp_path / "a" / "report.html").read_text()

    # The same cases with an expectation the run breaks: exit 1, the first broken one shown.
    wrong = {**APPROVED, "answer_includes": ["R-7001", "store credit"]}
    cases = write_cases(tmp_path / "cases.jsonl", wrong, REJECTED)
    second = await relay_cli(
        "eval", str(cases), "--model", "scripted", "--out", str(tmp_path / "b"), env=env
    )
    assert second.code == 1 and "1 case run(s) failed" in second.err
    assert "failing on scripted (1 of 2 cases):" in second.out
    assert (
        "  showcase-approved: the answer does not state 'store credit' [eval-showcase-approved-"
        in second.out
    )

    compared = await relay_cli(
        "eval",
        "--compare",
        str(tmp_path / "a" / "results.json"),
        str(tmp_path / "b" / "results.json"),
    )
    assert compared.code == 0
    assert compared.out.splitlines() == [
        "regressed  scripted  showcase-approved: the answer does not state 'store credit'",
        "0 improved, 1 regressed, 2 compared".replace(
            "0 improved, 1 regressed", "1 regressed, 0 improved"
        ),
    ]

    # The first invocation again, into the same folder: its cases start from fresh data (the
    # returns and refunds of the first invocation's runs are not there any more).
    cases = write_cases(tmp_path / "cases.jsonl", APPROVED, REJECTED)
    again = await relay_cli(
        "eval", str(cases), "--model", "scripted", "--out", str(tmp_path / "a"), env=env
    )
    assert again.code == 0, again.out + again.err
    report = json.loads((tmp_path / "a" / "results.json").read_text())
    assert [r["passed"] for r in report["runs"]] == [True, True]


async def test_a_recorded_run_replays_offline_and_shows_what_changed(
    relay: Relay, tmp_path: Path
) -> None:
    handle = await relay.start(model="scripted")
    await relay.approve_all(handle)
    recorded = await relay_cli("eval", "record", handle.id, env=env_for(relay))
    assert recorded.code == 0, recorded.err
    case = json.loads(recorded.out)
    assert case["status"] == "completed" and case["tools_in_order"] is True
    assert [t["tool"] for t in case["tools"]][-1] == "issue_refund"
    assert case["approvals"] == [{"tool": "issue_refund"}]  # approve: the default
    assert case["script"]["plan"] and set(case["script"]["agents"]) == {
        "orders",
        "catalog",
        "returns",
    }

    # From an exported history file too: the same case.
    history = tmp_path / f"{handle.id}.json"
    history.write_text((await handle.fetch_history()).to_json())
    from_file = await relay_cli("eval", "record", str(history), "--into", str(tmp_path / "c.jsonl"))
    assert from_file.code == 0, from_file.err
    assert json.loads((tmp_path / "c.jsonl").read_text()) == case

    # Offline replay of the recording passes; a changed model answer is reported where it differs.
    env = {"TEMPORAL_ADDRESS": relay.settings.temporal_address}
    replay = await relay_cli("eval", str(tmp_path / "c.jsonl"), "--model", "scripted", env=env)
    assert replay.code == 0, replay.out + replay.err
    for reply in case["script"]["agents"]["returns"]:
        for call in reply.get("tool_calls", []):
            if call["name"] == "issue_refund":
                call["arguments"]["amount"] = 60
    changed = write_cases(tmp_path / "changed.jsonl", case)
    rerun = await relay_cli("eval", str(changed), "--model", "scripted", env=env)
    assert rerun.code == 1
    assert (
        "expected call issue_refund(return_id=R-7001, amount=79.0) ok after the previous "
        "expected call; it did not happen" in rerun.out
    )


def test_the_golden_sets_are_what_their_generator_writes() -> None:
    sets = golden_sets()
    for app, cases in sets.items():
        assert (REPO / "examples" / app / "evals.jsonl").read_text() == as_jsonl(cases), (
            f"examples/{app}/evals.jsonl is stale: python -m examples.golden_cases"
        )
    assert sum(len(cases) for cases in sets.values()) >= 100


@pytest.mark.parametrize("app", ["shop", "helpdesk"])
async def test_the_golden_set_passes_offline(app: str, relay: Relay) -> None:
    """`make eval`'s sets, against the suite's server: every case passes on `scripted`."""
    outcome = await relay_cli(
        "eval",
        str(REPO / "examples" / app / "evals.jsonl"),
        "--app",
        f"examples.{app}.app:app",
        "--model",
        "scripted",
        env={"TEMPORAL_ADDRESS": relay.settings.temporal_address},
    )
    assert outcome.code == 0, outcome.out + outcome.err
    assert "scripted                       100%    100%   100%" in outcome.out


async def test_eval_starts_its_own_dev_server_without_an_address(tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "cases.jsonl", REJECTED)
    outcome = await relay_cli(
        "eval", str(cases), "--model", "scripted", env={"TEMPORAL_ADDRESS": ""}
    )
    assert outcome.code == 0, outcome.out + outcome.err
    assert "1/1 runs · 0 failing" in outcome.err, outcome.out + outcome.err


async def test_a_case_carries_expected_data_for_its_check_and_plays_on_any_scripted_route(
    relay: Relay, tmp_path: Path
) -> None:
    """`expected` reaches the check (`relay.evals.CheckContext`); the case's own script plays
    on a `scripted:FILE` route too, not only the bare `scripted`."""
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"plan": [{"content": "not a plan"}]}))  # never played
    right = {**APPROVED, "id": "one-refund", "expected": {"refunds": 1}}
    wrong = {**APPROVED, "id": "two-refunds", "expected": {"refunds": 2}}
    for case in (right, wrong):
        case["check"] = "examples.shop.checks:refunds_as_expected"
        case["script"] = {"synthesize": [{"content": "R-7001 is refunded."}]}
    cases = write_cases(tmp_path / "cases.jsonl", right, wrong)
    outcome = await relay_cli(
        "eval",
        str(cases),
        "--model",
        f"scripted:{other}",
        "--out",
        str(tmp_path / "o"),
        env={"TEMPORAL_ADDRESS": relay.settings.temporal_address},
    )
    report = json.loads((tmp_path / "o" / "results.json").read_text())
    passed = {r["case_id"]: r["passed"] for r in report["runs"]}
    assert passed == {"one-refund": True, "two-refunds": False}, outcome.out + outcome.err
    assert "1 refund(s), expected 2" in outcome.out
