"""`relay serve` in a process of its own, with people who can sign in (tests/test_serve_*.py)."""

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from pydantic import SecretStr

from relay.agents.approvals import ApprovalPolicy, ApproverRule
from relay.service.identities import token_hash
from relay.temporal.devserver import DevServer, free_port
from tests.cli_runner import RELAY
from tests.conftest import Relay, running_relay

SECRET = "test-approval-secret"
# name -> (token, roles)
PEOPLE = {
    "ada": ("ada-token", ["requester", "approver"]),  # requests goals; may not decide her own
    "fiona": ("fiona-token", ["approver"]),  # finance: the refund policy names her
    "mallory": ("mallory-token", ["approver"]),  # an approver the refund policy does not name
    "bob": ("bob-token", ["requester"]),  # may start goals, not decide anything
    "root": ("root-token", ["admin"]),  # an operator: reads and forgets memories
}

# Refunds: fiona (finance) or ada; ada still may not decide a goal she requested.
FINANCE_ONLY = ApprovalPolicy(
    roles={"finance": ["fiona"]},
    rules=[ApproverRule(tool="issue_refund", approvers=["role:finance", "ada"])],
)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {PEOPLE[name][0]}"}


def write_identities(path: Path) -> Path:
    people = [
        {"name": name, "roles": roles, "token_sha256": token_hash(token)}
        for name, (token, roles) in PEOPLE.items()
    ]
    path.write_text(json.dumps({"people": people}))
    return path


@contextlib.asynccontextmanager
async def serve_process(relay: Relay, log: Path, **env: str) -> AsyncIterator[str]:
    """`relay serve` for the shop against the relay's server and queue, offering the shop's
    `scripted` route to clients; yields its base URL. `env` adds settings."""
    port = free_port()
    identities = write_identities(relay.tmp_path / "identities.json")
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            RELAY,
            "serve",
            "--port",
            str(port),
            "--identities",
            str(identities),
            stdout=out,
            stderr=out,
            stdin=asyncio.subprocess.DEVNULL,
            env={
                **os.environ,
                "TEMPORAL_ADDRESS": relay.settings.temporal_address,
                "RELAY_TASK_QUEUE": relay.settings.task_queue,
                "RELAY_APPROVAL_SECRET": SECRET,
                "RELAY_SERVE_MODELS": "scripted",
                **env,
            },
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(150):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"{url}/healthz")).status_code == 200:
                        break
                if process.returncode is not None:
                    raise RuntimeError(f"relay serve exited: {log.read_text()}")
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError(f"relay serve did not answer: {log.read_text()}")
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


@contextlib.asynccontextmanager
async def served_shop(
    server: DevServer, tmp_path: Path, name: str = "serve", **env: str
) -> AsyncIterator[tuple[Relay, str]]:
    """A shop worker with FINANCE_ONLY and the secret, and `relay serve` in front of it."""
    async with (
        running_relay(
            server, tmp_path, approval_policy=FINANCE_ONLY, approval_secret=SecretStr(SECRET)
        ) as relay,
        serve_process(relay, tmp_path / f"{name}.log", **env) as url,
    ):
        yield relay, url
