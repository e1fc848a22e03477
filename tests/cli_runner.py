"""Runs the installed `relay` console script as a user would, without blocking the event loop
(the test's worker runs on that loop)."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

RELAY = str(Path(sys.executable).parent / "relay")


@dataclass
class Outcome:
    code: int
    out: str
    err: str


async def run_command(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> Outcome:
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Outcome(process.returncode, out.decode(), err.decode())


async def relay_cli(*args: str, env: dict[str, str] | None = None) -> Outcome:
    return await run_command(RELAY, *args, env=env)
