"""`relay eval CASES`: every case on every model route, K times, at most N at once, on a Temporal
server (TEMPORAL_ADDRESS, or a dev server started for the evaluation), with a progress line."""

import asyncio
import contextlib
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from relay.app import App
from relay.evals.cases import EvalCase
from relay.evals.report import EvalReport, summarize
from relay.evals.runner import CaseRun, CaseRunner
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port


@dataclass(frozen=True)
class EvalPlan:
    cases_file: Path
    cases: list[EvalCase]
    routes: list[str]
    repeat: int = 1
    concurrency: int = 4


class Progress:
    """One line, redrawn in place on a terminal; every tenth of the way otherwise."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.failing = total, 0, 0
        self._started = time.monotonic()
        self._tty = sys.stderr.isatty()
        self._shown_tenth = -1

    def advance(self, run: CaseRun) -> None:
        self.done += 1
        self.failing += not run.passed
        width = 30
        filled = width * self.done // self.total
        line = (
            f"eval [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} runs · "
            f"{self.failing} failing · {time.monotonic() - self._started:.0f} s"
        )
        tenth = 10 * self.done // self.total
        if self._tty:
            print("\r" + line, end="\n" if self.done == self.total else "", file=sys.stderr)
        elif tenth != self._shown_tenth:
            self._shown_tenth = tenth
            print(line, file=sys.stderr)
        sys.stderr.flush()


@contextlib.asynccontextmanager
async def temporal_for_eval(settings: Settings, work_dir: Path) -> AsyncIterator[Settings]:
    """The configured server when TEMPORAL_ADDRESS (or a profile) names one; else a dev server
    of the evaluation's own, stopped at the end."""
    if os.environ.get("TEMPORAL_ADDRESS") or os.environ.get("TEMPORAL_PROFILE"):
        yield settings
        return
    server = DevServer(
        db_file=work_dir / "temporal.db",
        port=free_port(),
        ui_port=None,
        log_file=work_dir / "temporal.log",
    )
    # From this thread: the server dies with the thread that started it (PDEATHSIG).
    server.start()
    try:
        yield settings.model_copy(update={"temporal_address": server.address})
    finally:
        server.stop()


async def evaluate(plan: EvalPlan, app: App, settings: Settings, work: Path | None) -> EvalReport:
    started_at = datetime.now(UTC)
    with contextlib.ExitStack() as stack:
        work_dir = work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eval-")))
        work_dir.mkdir(parents=True, exist_ok=True)
        # Each invocation's runs start from fresh data: an earlier invocation's app databases
        # and ledgers (under the same names) would otherwise answer for this one's.
        runs_dir = work_dir / "runs"
        shutil.rmtree(runs_dir, ignore_errors=True)
        async with temporal_for_eval(settings, work_dir) as connected:
            client = await connect_client(connected, wait_seconds=30)
            runner = CaseRunner(client, connected, app, runs_dir)
            jobs = [
                (case, route, k)
                for route in plan.routes
                for case in plan.cases
                for k in range(1, plan.repeat + 1)
            ]
            progress = Progress(len(jobs))
            slots = asyncio.Semaphore(plan.concurrency)

            async def one(case: EvalCase, route: str, k: int) -> CaseRun:
                async with slots:
                    run = await runner.run(case, route, k)
                progress.advance(run)
                return run

            runs = await asyncio.gather(*(one(*job) for job in jobs))
    return EvalReport(
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        load_average=os.getloadavg(),
        machine=f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        app=app.name,
        cases_file=str(plan.cases_file),
        started_at=started_at,
        repeat=plan.repeat,
        routes=[summarize(r, [run for run in runs if run.route == r]) for r in plan.routes],
        runs=list(runs),
    )
