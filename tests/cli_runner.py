"""Runs the installed `relay` console script as a user would, without blocking the event loop
(the test's worker runs on that loop)."""

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
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


@contextlib.asynccontextmanager
async def relay_process(
    tmp_path: Path, command: str, env: dict[str, str], *args: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, Path]]:
    """`relay COMMAND ARGS --data-dir TMP/data` from the checkout, its output in a log; killed
    if still running at the end."""
    log = tmp_path / f"{command}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            RELAY,
            command,
            *args,
            "--data-dir",
            str(tmp_path / "data"),
            stdout=out,
            stderr=out,
            stdin=asyncio.subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, **env},
        )
    try:
        yield process, log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def line_starting(process: asyncio.subprocess.Process, log: Path, prefix: str) -> str:
    """The first line of the output with this prefix, waiting up to 120 s for it."""
    for _ in range(600):
        found = [line for line in log.read_text().splitlines() if line.startswith(prefix)]
        if found:
            return found[0]
        assert process.returncode is None, log.read_text()
        await asyncio.sleep(0.2)
    raise AssertionError(f"no line {prefix!r} within 120 s: {log.read_text()}")
