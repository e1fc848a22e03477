"""The fault suite's published results: each `faults` test describes its case, and a full run
of them writes docs/RELIABILITY.md (what was injected, what was checked, the outcome, the
measured recovery time)."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPORT = Path(__file__).parent.parent / "docs" / "RELIABILITY.md"


@dataclass
class Case:
    name: str
    injected: str
    checked: str
    recovery_seconds: float | None = None
    _started: float = field(default=0.0, repr=False)

    def fault_injected(self) -> None:
        """Start the recovery clock: the fault just happened."""
        self._started = time.monotonic()

    def recovered(self) -> None:
        """Stop the recovery clock: the invariant holds again."""
        self.recovery_seconds = time.monotonic() - self._started


def write_report(results: list[tuple[Case, str]]) -> None:
    lines = [
        "# Reliability results",
        "",
        "Written by the `faults` tests (`make test-faults REPORT=1`; they also run in "
        "`make test`) against a "
        "real Temporal dev server, real worker processes and real SQLite. Recovery is measured "
        "from the moment the fault is injected to the moment the checked invariant holds "
        "(for example the run completing after a new worker starts); it includes Temporal's "
        "timeouts (a killed worker's activity is retried after its heartbeat timeout, 10 s).",
        "",
        "| case | injected | checked | outcome | recovery |",
        "|---|---|---|---|---|",
    ]
    for case, outcome in sorted(results, key=lambda r: r[0].name):
        recovery = "-" if case.recovery_seconds is None else f"{case.recovery_seconds:.1f} s"
        lines.append(f"| {case.name} | {case.injected} | {case.checked} | {outcome} | {recovery} |")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")


# The `reliability` fixture: describe(name, injected, checked) -> the test's Case.
Describe = Callable[[str, str, str], Case]
