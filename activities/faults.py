"""Fault injection for the reliability tests: named points where a worker can be made to die.

Off unless `RELAY_FAULT` names a point. A test sets it on a worker subprocess to prove that
nothing is lost or done twice when the process vanishes at the worst moment. Points:
`tool-committed:<tool>` (the side effect and its ledger entry are committed, the activity has
not reported back) and `llm-answered:<agent>` (the model answered and was paid for, the activity
has not reported back).
"""

import os
import signal


def kill_if(point: str, fault: str | None) -> None:
    if fault is not None and fault == point:
        os.kill(os.getpid(), signal.SIGKILL)
