"""Replay time of one goal's histories in a fresh process: `python -m benchmarks.replay_timing
(relay|twin) WORKFLOW_ID=FILE...` prints the first (cold) and second (warm) replay in ms."""

import asyncio
import sys
import time
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer


async def main(kind: str, files: list[str]) -> None:
    pairs = [f.rsplit("=", 1) for f in files]
    histories = [WorkflowHistory.from_json(i, Path(f).read_text()) for i, f in pairs]
    if kind == "relay":
        from relay.temporal.codec import data_converter
        from relay.worker import RUNNER, WORKFLOWS

        replayer = Replayer(
            workflows=WORKFLOWS, workflow_runner=RUNNER, data_converter=data_converter(None)
        )
    else:
        from benchmarks.twin import TwinWorkflow

        replayer = Replayer(workflows=[TwinWorkflow])
    times = []
    for _ in range(2):
        started = time.perf_counter()
        for history in histories:
            await replayer.replay_workflow(history)
        times.append((time.perf_counter() - started) * 1000)
    print(f"{times[0]:.1f} {times[1]:.1f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
