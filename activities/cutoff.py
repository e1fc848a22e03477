"""Run a blocking tool call on its own daemon thread and stop waiting for it when it hangs.

Temporal cannot interrupt a thread, so a hung sync activity would hold its worker slot forever.
Here the activity itself is async: it waits for the thread with a deadline (and, for long tools,
a heartbeat deadline) and gives the slot back when either passes. The abandoned thread can only
finish a side effect whose ledger entry the retry will then find, or time out on the database
lock the retry needs, so walking away from it is safe.
"""

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Beat = Callable[..., None]
KEEPALIVE_SECONDS = 2.0


class CutOff(Exception):
    """The call outlived its timeout or stopped heartbeating."""


async def run_with_cutoff(
    work: Callable[[Beat], T],
    *,
    name: str,
    timeout_seconds: float,
    heartbeat_seconds: float | None,
    on_beat: Beat,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
    launch: Callable[[Callable[[], None]], None] | None = None,
) -> T:
    """`work(beat)` on a daemon thread of its own, or on the thread `launch` hands it to;
    `beat(...)` from that thread reaches `on_beat` on this event loop (in the caller's context,
    so Temporal's `activity.heartbeat` works there).

    While waiting, `on_beat()` is also called every `keepalive_seconds`: that says the worker
    process is alive, so the server notices a killed worker at the heartbeat timeout instead of
    the far longer start-to-close timeout. Whether the tool itself still progresses is judged
    here, by `heartbeat_seconds`."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    done: asyncio.Future[T] = loop.create_future()
    last_beat = loop.time()

    def received(details: tuple[Any, ...]) -> None:
        nonlocal last_beat
        last_beat = loop.time()
        on_beat(*details)

    def settle(result: Any, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)

    def from_thread(callback: Callable[..., None], *args: Any) -> None:
        # RuntimeError: the loop is gone, so nobody waits for this abandoned thread any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback, *args, context=context)

    def beat(*details: Any) -> None:
        from_thread(received, details)

    def target() -> None:
        try:
            result = work(beat)
        except BaseException as err:
            from_thread(settle, None, err)
        else:
            from_thread(settle, result, None)

    if launch is None:
        threading.Thread(target=target, name=f"tool-{name}", daemon=True).start()
    else:
        launch(target)
    deadline = loop.time() + timeout_seconds
    keepalive_at = loop.time() + keepalive_seconds
    while True:
        now = loop.time()
        if now >= deadline:
            raise CutOff(f"tool {name} did not finish within {timeout_seconds:g}s")
        if heartbeat_seconds is not None and now >= last_beat + heartbeat_seconds:
            raise CutOff(f"tool {name} sent no heartbeat for {heartbeat_seconds:g}s")
        if now >= keepalive_at:
            on_beat()
            keepalive_at = now + keepalive_seconds
        wake = min(deadline, keepalive_at)
        if heartbeat_seconds is not None:
            wake = min(wake, last_beat + heartbeat_seconds)
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(done), wake - now)
