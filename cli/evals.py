"""`relay eval`: run an app's evaluation cases, compare two runs, or record a run as a case."""

import argparse
import sys
from pathlib import Path

from relay.cli.options import add_app_option, app_of
from relay.client.errors import UserError
from relay.settings import Settings

USAGE = """\
relay eval CASES.jsonl [--app M:A] [--model ROUTE ...] [--repeat K] [--sample N]
                       [--concurrency N] [--out DIR]
relay eval --compare OLD.json NEW.json
relay eval record (WORKFLOW_ID | HISTORY.json) [--into CASES.jsonl]"""


def add_eval_command(sub: argparse._SubParsersAction) -> None:
    evaluate = sub.add_parser(
        "eval",
        help="run evaluation cases as real goals, compare runs, record a run as a case",
        usage=USAGE,
        description="Runs every case of a JSONL file as a goal on Temporal (TEMPORAL_ADDRESS, "
        "or a dev server started for it), answering approvals as each case says, and prints "
        "per model route: pass rate, pass^k, tool-call match, p50/p95 latency, tokens and "
        "cost per goal, and each failing case with the first expectation it broke. Exits 1 "
        "when a case fails.",
    )
    evaluate.add_argument("target", nargs="*", help="CASES.jsonl, or `record` and a run")
    add_app_option(evaluate)
    evaluate.add_argument(
        "--model",
        action="append",
        metavar="ROUTE",
        help="a model route to evaluate (repeatable); default: the app's",
    )
    evaluate.add_argument("--repeat", type=int, default=1, metavar="K", help="runs per case")
    evaluate.add_argument(
        "--sample", type=int, metavar="N", help="N cases spread evenly over the file"
    )
    evaluate.add_argument("--concurrency", type=int, default=4, metavar="N", help="at once")
    evaluate.add_argument("--out", metavar="DIR", help="write results.json and report.html")
    evaluate.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="two results.json")
    evaluate.add_argument("--into", metavar="CASES", help="record: append the case to this file")
    evaluate.set_defaults(handler=cmd_eval)


async def cmd_eval(args: argparse.Namespace, settings: Settings) -> None:
    if args.compare:
        print(_compare(*args.compare))
        return
    if args.target[:1] == ["record"]:
        if len(args.target) != 2:
            raise UserError("usage: relay eval record (WORKFLOW_ID | HISTORY.json)")
        await _record(args.target[1], args.into, settings)
        return
    if len(args.target) != 1:
        raise UserError("name one cases file: relay eval CASES.jsonl (see relay eval --help)")
    if not 1 <= args.repeat <= 100 or not 1 <= args.concurrency <= 64:
        raise UserError("--repeat is 1 to 100, --concurrency 1 to 64")
    if args.sample is not None and args.sample < 1:
        raise UserError("--sample is at least 1")
    failed = await _run(args, settings)
    if failed:
        raise UserError(f"{failed} case run(s) failed")


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from relay.evals.cases import CasesError, load_cases
    from relay.evals.evaluate import EvalPlan, evaluate
    from relay.evals.report import table, write_report

    path = Path(args.target[0])
    try:
        cases = load_cases(path)
    except CasesError as err:
        raise UserError(str(err)) from None
    if args.sample is not None and args.sample < len(cases):
        # Every k-th case, so a sample of an expensive route spans the file's kinds of case.
        cases = [cases[i * len(cases) // args.sample] for i in range(args.sample)]
    app = app_of(args)
    routes = args.model or [settings.model or app.model or ""]
    if not routes[0]:
        raise UserError(f"app {app.name!r} names no model: pass --model ROUTE")
    plan = EvalPlan(path, cases, routes, args.repeat, args.concurrency)
    out = Path(args.out) if args.out else None
    runs = len(cases) * len(routes) * args.repeat
    print(f"{len(cases)} cases, {len(routes)} route(s), {args.repeat} repeat(s): {runs} runs")
    report = await evaluate(plan, app, settings, out / "work" if out else None)
    print(table(report))
    if out is not None:
        write_report(report, out)
        print(f"\nwrote {out / 'results.json'} and {out / 'report.html'}")
    return sum(not run.passed for run in report.runs)


def _compare(old: str, new: str) -> str:
    from pydantic import ValidationError

    from relay.evals.report import EvalReport, compare

    reports = []
    for name in (old, new):
        try:
            reports.append(EvalReport.model_validate_json(Path(name).read_bytes()))
        except OSError as err:
            raise UserError(f"cannot read {name}: {err.strerror}") from None
        except ValidationError as err:
            raise UserError(
                f"{name} is not a results.json of relay eval: {err.errors()[0]['msg']}"
            ) from None
    return compare(*reports)


async def _record(source: str, into: str | None, settings: Settings) -> None:
    from temporalio.client import WorkflowHistory

    from relay.evals.record import RecordError, case_from_history
    from relay.temporal.connect import connect_client

    converter = settings.converter()
    if source.endswith(".json") and Path(source).is_file():
        history = WorkflowHistory.from_json(Path(source).stem, Path(source).read_text())
    else:
        client = await connect_client(settings)
        history = await client.get_workflow_handle(source).fetch_history()
    try:
        case = await case_from_history(history, converter)
    except RecordError as err:
        raise UserError(str(err)) from None
    line = case.model_dump_json(exclude_defaults=True)
    if into is None:
        print(line)
        return
    with Path(into).open("a") as cases:
        cases.write(line + "\n")
    print(f"appended case {case.id!r} to {into}", file=sys.stderr)
