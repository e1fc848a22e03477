"""A real PostgreSQL server for the tests, from Debian's `postgresql` package: a cluster of its
own in a temporary folder, on a free loopback port, gone when the session ends.

PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user the
package creates. Without the package the tests that need it are skipped, except under
`CI=true`, where they fail: CI installs it (.ci/run).
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from relay.temporal.devserver import free_port

# Trust on loopback for a throwaway cluster; no fsync: the tests need no durability of PostgreSQL
# itself (the worker is killed, the database server never is).
INITDB_FLAGS = ("-A", "trust", "-U", "relay", "--no-sync", "-E", "UTF8")
SERVER_FLAGS = ("-h", "127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200")


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian keeps it out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parent)
    return found[-1].parent if found else None


@contextlib.contextmanager
def postgres_server(bin_dir: Path) -> Iterator[str]:
    """Start a throwaway cluster; yields the URL of its `postgres` database."""
    root = Path(tempfile.mkdtemp(prefix="relay-pg-"))  # not under pytest's root-only tmp
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), *INITDB_FLAGS],
        check=True,
        capture_output=True,
    )
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                *as_user,
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(root),
                *SERVER_FLAGS,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"postgresql://relay@127.0.0.1:{port}/postgres"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)


def new_database(server_url: str) -> str:
    """A fresh database on the server, for one test; its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"
