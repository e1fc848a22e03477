"""A relay worker in a process of its own (`relay worker`), so a test can SIGKILL it."""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer
from tests.cli_runner import RELAY
from tests.conftest import Relay, relay_settings


@contextlib.asynccontextmanager
async def worker_process(
    settings: Settings, log: Path, *args: str, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`relay worker [args]` for `settings`, with extra environment (e.g. RELAY_FAULT); killed
    on exit. Its output goes to `log`, for a failing test to show."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            RELAY,
            "worker",
            *args,
            stdout=out,
            stderr=out,
            stdin=asyncio.subprocess.DEVNULL,
            env={
                **os.environ,
                "TEMPORAL_ADDRESS": settings.temporal_address,
                "RELAY_TASK_QUEUE": settings.task_queue,
                "RELAY_DB": str(settings.db_path),
                "RELAY_DATA_DIR": str(settings.data_dir),
                **({"RELAY_MODEL": settings.model} if settings.model else {}),
                **env,
            },
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def relay_for_worker_processes(server: DevServer, tmp_path: Path) -> Relay:
    """A client and settings for runs that `worker_process` workers serve (no in-process
    worker); their output goes to `tmp_path / "workers.log"`."""
    settings = relay_settings(server, tmp_path)
    client = await connect_client(settings, wait_seconds=30)
    return Relay(client=client, settings=settings, tmp_path=tmp_path)
