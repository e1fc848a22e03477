"""How a `relay` command stops on SIGTERM, SIGHUP and Ctrl-C: the command's task is cancelled,
so its own cleanup runs in order (a worker shuts down through the SDK, which ends its long
polls; `relay dev` stops its server). Raising KeyboardInterrupt into the event loop instead made
asyncio cancel every task at once, the worker's pollers among them, and a worker could then wait
a minute or more for polls nobody would answer. The first signal also starts a clock: still
stopping after `stop_seconds`, the process exits anyway; a second signal exits at once."""

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Awaitable

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Stopped(Exception):
    """The command was stopped by a signal (exit 130)."""


async def stopping_on_signals(work: Awaitable[None], stop_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def give_up() -> None:
        print(
            f"relay: error: still stopping after {stop_seconds:g} s (RELAY_STOP_SECONDS); "
            "exiting now",
            file=sys.stderr,
            flush=True,
        )
        os._exit(1)

    def stop(signum: int) -> None:
        if received:  # asked twice: stop now
            os._exit(130)
        received.append(signum)
        clock = threading.Timer(stop_seconds, give_up)
        clock.daemon = True
        clock.start()
        task.cancel()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    try:
        await work
    except asyncio.CancelledError:
        if received:
            raise Stopped(signal.Signals(received[0]).name) from None
        raise
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
