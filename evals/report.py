"""An evaluation's numbers per model route, as a table, as JSON, as a self-contained HTML page
with a chart, and compared with an earlier run."""

import html
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from relay.agents.llm_models import Usage
from relay.evals.runner import CaseRun


class FailingCase(BaseModel):
    case_id: str
    failure: str  # the first expectation it broke
    workflow_id: str


class RouteSummary(BaseModel):
    route: str
    cases: int
    runs: int
    pass_rate: float  # runs that passed / runs
    pass_k: float  # cases that passed every repeat / cases
    tool_match: float  # mean share of expected tool calls that happened
    p50_latency_s: float
    p95_latency_s: float
    tokens_per_goal: float
    cost_per_goal_usd: float | None  # None: some model's price is unknown
    # Model answers from the response cache / all model answers, and what they saved.
    cache_hit_rate: float = 0.0
    saved_usd: float = 0.0
    failing: list[FailingCase] = Field(default_factory=list)


class EvalReport(BaseModel):
    app: str
    cases_file: str
    started_at: datetime
    repeat: int
    routes: list[RouteSummary]
    runs: list[CaseRun]
    # Where it ran: the evaluating process's peak RSS (its worker, and so any local model,
    # included), the load average at the end, and the machine.
    peak_rss_mb: float | None = None
    load_average: tuple[float, float, float] | None = None
    machine: str | None = None


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summarize(route: str, runs: list[CaseRun]) -> RouteSummary:
    by_case: dict[str, list[CaseRun]] = defaultdict(list)
    for run in runs:
        by_case[run.case_id].append(run)
    costs = [r.cost_usd for r in runs]
    failing = [
        FailingCase(case_id=case_id, failure=bad.failures[0], workflow_id=bad.workflow_id)
        for case_id, case_runs in by_case.items()
        for bad in [next((r for r in case_runs if not r.passed), None)]
        if bad is not None
    ]
    latencies = [r.latency_s for r in runs]
    return RouteSummary(
        route=route,
        cases=len(by_case),
        runs=len(runs),
        pass_rate=sum(r.passed for r in runs) / len(runs),
        pass_k=sum(all(r.passed for r in rs) for rs in by_case.values()) / len(by_case),
        tool_match=statistics.fmean(r.tool_match for r in runs),
        p50_latency_s=_percentile(latencies, 0.5),
        p95_latency_s=_percentile(latencies, 0.95),
        tokens_per_goal=statistics.fmean(r.input_tokens + r.output_tokens for r in runs),
        cost_per_goal_usd=None
        if any(c is None for c in costs)
        else statistics.fmean(c or 0.0 for c in costs),
        failing=sorted(failing, key=lambda f: f.case_id),
        cache_hit_rate=Usage(
            llm_calls=sum(r.llm_calls for r in runs),
            cached_calls=sum(r.cached_calls for r in runs),
        ).cache_share(),
        saved_usd=round(sum(r.saved_usd for r in runs), 8),
    )


def _cost(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def table(report: EvalReport) -> str:
    header = (
        f"{'route':<28} {'pass':>6} {'pass^' + str(report.repeat):>7} {'tools':>6} "
        f"{'p50 s':>6} {'p95 s':>6} {'tokens':>8} {'cost/goal':>10}"
    )
    lines = [header, "-" * len(header)]
    for s in report.routes:
        lines.append(
            f"{s.route[:28]:<28} {s.pass_rate:>6.0%} {s.pass_k:>7.0%} {s.tool_match:>6.0%} "
            f"{s.p50_latency_s:>6.2f} {s.p95_latency_s:>6.2f} {s.tokens_per_goal:>8.0f} "
            f"{_cost(s.cost_per_goal_usd):>10}"
        )
    if report.peak_rss_mb is not None and report.load_average is not None:
        lines.append(
            f"peak RSS {report.peak_rss_mb:.0f} MB · load average "
            f"{' '.join(f'{x:.2f}' for x in report.load_average)} · {report.machine}"
        )
    for s in report.routes:
        if s.cache_hit_rate:
            lines.append(
                f"response cache on {s.route}: {s.cache_hit_rate:.0%} of model answers, "
                f"saved {_cost(s.saved_usd)}"
            )
    for s in report.routes:
        if s.failing:
            lines.append(f"\nfailing on {s.route} ({len(s.failing)} of {s.cases} cases):")
            lines += [f"  {f.case_id}: {f.failure} [{f.workflow_id}]" for f in s.failing]
    return "\n".join(lines)


def _bars(title: str, values: list[tuple[str, float]], unit: str) -> str:
    """A horizontal bar chart as inline SVG."""
    top = max((v for _, v in values), default=0) or 1
    rows = []
    for index, (label, value) in enumerate(values):
        y = 28 + index * 26
        width = 300 * value / top
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label[:32])}</text>'
            f'<rect x="230" y="{y}" width="{width:.1f}" height="18" fill="#3b6fd8"/>'
            f'<text x="{236 + width:.1f}" y="{y + 14}" font-size="12">{value:.4g}{unit}</text>'
        )
    height = 36 + 26 * len(values)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{height}">'
        f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>'
        + "".join(rows)
        + "</svg>"
    )


def html_page(report: EvalReport) -> str:
    routes = report.routes
    charts = _bars("pass rate", [(s.route, 100 * s.pass_rate) for s in routes], "%") + _bars(
        "cost per goal (USD)", [(s.route, s.cost_per_goal_usd or 0.0) for s in routes], ""
    )
    failing = "".join(
        f"<tr><td>{html.escape(s.route)}</td><td>{html.escape(f.case_id)}</td>"
        f"<td>{html.escape(f.failure)}</td><td><code>{html.escape(f.workflow_id)}</code></td></tr>"
        for s in routes
        for f in s.failing
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>relay eval: {html.escape(report.app)}</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:24px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>"
        f"</head><body><h1>relay eval: {html.escape(report.app)}</h1>"
        f"<p>{html.escape(report.cases_file)} · {report.started_at:%Y-%m-%d %H:%M} UTC · "
        f"{report.repeat} repeat(s)</p><pre>{html.escape(table(report))}</pre>{charts}"
        "<h2>Failing cases</h2><table><tr><th>route</th><th>case</th><th>first failure</th>"
        f"<th>workflow id</th></tr>{failing or '<tr><td colspan=4>none</td></tr>'}</table>"
        "</body></html>"
    )


def write_report(report: EvalReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(report.model_dump_json(indent=2))
    (out / "report.html").write_text(html_page(report))


def compare(old: EvalReport, new: EvalReport) -> str:
    """Cases that regressed (passed every repeat before, not now) or improved, per route."""

    def passing(report: EvalReport) -> dict[tuple[str, str], bool]:
        verdicts: dict[tuple[str, str], bool] = {}
        for run in report.runs:
            key = (run.route, run.case_id)
            verdicts[key] = verdicts.get(key, True) and run.passed
        return verdicts

    before, after = passing(old), passing(new)
    lines = []
    for key in sorted(set(before) & set(after)):
        route, case_id = key
        if before[key] and not after[key]:
            broken = (r for r in new.runs if (r.route, r.case_id) == key and r.failures)
            why = next(broken).failures[0]
            lines.append(f"regressed  {route}  {case_id}: {why}")
        elif after[key] and not before[key]:
            lines.append(f"improved   {route}  {case_id}")
    only = len(set(before) ^ set(after))
    summary = (
        f"{sum(line.startswith('regressed') for line in lines)} regressed, "
        f"{sum(line.startswith('improved') for line in lines)} improved, "
        f"{len(set(before) & set(after))} compared"
        + (f", {only} in only one of the runs" if only else "")
    )
    return "\n".join([*lines, summary])
