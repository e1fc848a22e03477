"""Fault injection for the reliability tests: named points where a worker can be made to die.

Off unless `RELAY_FAULT` names a point. A test sets it on a worker subprocess to prove that
nothing is lost or done twice when the process vanishes at the worst moment. Points:
`tool-committed:<tool>` (the side effect and its ledger entry are committed, the activity has
not reported back), `llm-answered:<agent>` (the model answered and was paid for, the activity
has not reported back), and `worker-shutdown-hangs` (a stopping worker's cleanup never ends).
"""

import os
import signal
import time


def kill_if(point: str, fault: str | None) -> None:
    if fault is not None and fault == point:
        os.kill(os.getpid(), signal.SIGKILL)


def hang_if(point: str, fault: str | None) -> None:
    """Block this thread for good: a shutdown step that never returns."""
    if fault is not None and fault == point:
        time.sleep(24 * 3600)
