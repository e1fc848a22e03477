"""Replay time of one goal's histories in a fresh process: `python -m benchmarks.replay_timing
(relay|twin) WORKFLOW_ID=FILE...` prints the first (cold) and second (warm) replay in ms.
relay's histories replay as `relay replay` does; the twin's with the same replayer options."""

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
        from relay.client.replay import new_replayer
        from relay.settings import Settings

        # Compressed payloads read back whatever the setting says.
        replayer = new_replayer(converter=Settings().converter())
    else:
        from benchmarks.twin import TwinWorkflow
        from relay.client.replay import REPLAY_BUILD_ID

        replayer = Replayer(workflows=[TwinWorkflow], build_id=REPLAY_BUILD_ID)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        for history in histories:
            await replayer.replay_workflow(history)
        times.append((time.perf_counter() - started) * 1000)
    print(f"{times[0]:.1f} {times[1]:.1f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
