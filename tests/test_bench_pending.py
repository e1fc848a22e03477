"""`make bench-pending` keeps working: its benchmark at a small N, in CI. No timing is asserted
(speed is measured by the benchmark, not the suite); what must hold is what it reports about
correctness: every goal waited, was listed, and ended with one return and one refund."""

import asyncio
import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


async def test_the_pending_benchmark_runs_at_a_small_n() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.pending",
        cwd=CHECKOUT,
        env={**os.environ, "BENCH_PENDING": "6"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), 300))[0].decode()
    assert process.returncode == 0, output
    assert "N=6: ramp" in output and "all 6 waiting agents listed" in output, output
    assert "(0 unreadable)" in output and "0 timed out" in output
    assert "6/6 completed; 6/6 goals with exactly one return and one refund" in output
