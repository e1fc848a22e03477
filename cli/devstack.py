"""`relay dev` and `relay demo`: a local dev server plus an in-process worker."""

import asyncio
import contextlib
import getpass
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from temporalio.client import Client, WorkflowHandle

from relay.agents.approvals import DecisionRequest, PendingApproval
from relay.agents.models import GoalRequest
from relay.app import App, Demo
from relay.cli.demo_chain import Decide, follow_chain
from relay.cli.output import print_pending, print_result
from relay.client.errors import UserError
from relay.client.goals import start_goal
from relay.client.waiting import wait_for_result
from relay.service.demo_inbox import demo_inbox, serving
from relay.settings import Settings
from relay.temporal.codec_server import codec_server, origin_of
from relay.temporal.connect import connect_client
from relay.temporal.devserver import DevServer, free_port, port_open
from relay.worker import relay_worker
from relay.workflows.supervisor import SupervisorWorkflow

CODEC_PORT = 8081  # `relay codec-server`'s default too; another free port when it is taken


@contextlib.asynccontextmanager
async def dev_server(settings: Settings, data_dir: Path) -> AsyncIterator[bool]:
    """Use the server at TEMPORAL_ADDRESS if one answers, else start one and stop it after.
    Yields whether it started one."""
    host, _, port = settings.temporal_address.rpartition(":")
    if port_open(int(port), "127.0.0.1" if host in ("localhost", "") else host):
        print(f"using the Temporal server at {settings.temporal_address}")
        yield False
        return
    codec = settings.payload_codec()
    codec_port = free_port() if port_open(CODEC_PORT, "127.0.0.1") else CODEC_PORT
    codec_url = f"http://127.0.0.1:{codec_port}"
    server = DevServer(
        db_file=data_dir / "temporal.db",
        port=int(port),
        ui_port=urlsplit(settings.ui_url).port or 8233,
        log_file=data_dir / "temporal.log",
        # The UI decodes compressed (and encrypted) payloads through relay's codec server.
        extra_args=["--ui-codec-endpoint", codec_url],
    )
    print(
        f"starting Temporal dev server on {server.address}, Web UI {settings.ui_url} "
        f"(data in {data_dir}/temporal.db)"
    )
    # On this thread: the server is told to stop when the thread that started it ends.
    server.start()
    try:
        token = settings.codec_token.get_secret_value() if settings.codec_token else None
        with codec_server(codec, codec_port, origin_of(settings.ui_url), token):
            print(f"the Web UI decodes relay's payloads through {codec_url}")
            yield True
    finally:
        server.stop()
        print("stopped the Temporal dev server")


async def run_dev(settings: Settings, data_dir: Path, app: App | None) -> None:
    """The dev server and a worker for the app; without an app, the server alone."""
    async with dev_server(settings, data_dir):
        if app is None:
            print(f"dev server only at {settings.temporal_address}; Ctrl-C stops it")
            await asyncio.Event().wait()
            return
        client = await connect_client(settings, wait_seconds=30)
        print(
            f"worker for app {app.name!r} on task queue {settings.queue_for(app.name)!r}, "
            "model route "
            f"{app.default_route(settings.model)}; Ctrl-C stops the worker and the server"
        )
        async with relay_worker(client, settings, app) as worker:
            await worker.run()


async def _play_goal(
    client: Client, settings: Settings, app: App, demo: Demo, decide: Decide
) -> str:
    workflow_id = f"showcase-{uuid.uuid4().hex[:8]}"
    context = ", ".join(f"{k}={v}" for k, v in demo.context.items())
    print(f"goal ({context or 'no context'}): {demo.goal}")
    handle = await start_goal(
        client,
        GoalRequest(goal=demo.goal, context=demo.context, app=app.name, app_digest=app.digest),
        workflow_id,
        settings.queue_for(app.name),
    )
    print(f"started {workflow_id}")
    print_result(await wait_for_result(handle, lambda pending: decide(handle, pending)))
    return workflow_id


async def run_demo(
    settings: Settings,
    data_dir: Path,
    app: App,
    approve_as: str | None,
    reject: bool,
    keep: bool = False,
    inbox_port: int | None = None,
) -> None:
    if app.demo is None:
        raise UserError(f"app {app.name!r} has no demo (App(demo=Demo(...)))")
    demo = app.demo
    interactive = sys.stdin.isatty()
    inbox = demo_inbox(settings, inbox_port) if inbox_port is not None else None
    if approve_as is None and not interactive and inbox is None:
        raise UserError(
            "the demo needs a human decision and there is no terminal: "
            "run `relay demo --approve-as NAME` (add --reject to reject) or `relay demo --inbox`"
        )
    print(
        f"model route: {app.default_route(settings.model)} (set RELAY_MODEL to pick another, e.g. "
        "openai:gpt-4o-mini; offline: local:qwen2.5-coder-1.5b after `make model-qwen` "
        "handles simple goals; local:smollm2, embedded, only exercises the path, see docs/EVAL.md)"
    )

    async def decide(handle: WorkflowHandle, pending: list[PendingApproval]) -> None:
        print_pending(pending, handle.id, hints=False)  # the demo decides: no command to run
        if inbox is not None:
            print(f"  decide in the approval inbox: {inbox.link}", flush=True)
            return
        for p in pending:
            approver, approve = approve_as, not reject
            if approver is None:
                answer = await asyncio.to_thread(input, f"approve {p.tool} {p.arguments}? [y/n] ")
                approver, approve = getpass.getuser(), answer.strip().lower().startswith("y")
            record = await handle.execute_update(
                SupervisorWorkflow.decide,
                DecisionRequest(
                    approval_id=p.approval_id,
                    approver=approver,
                    approve=approve,
                    reason="decided in relay demo",
                ),
            )
            print(f"  {record.approval_id}: {record.verdict} by {record.approver}")

    # The demo owns its database and starts from fresh seed data on every run.
    demo_db = data_dir / f"demo-{app.name}.db"
    demo_db.unlink(missing_ok=True)
    if inbox is not None:
        settings = inbox.settings
    settings = settings.model_copy(update={"db_path": demo_db, "data_dir": data_dir})
    async with dev_server(settings, data_dir) as started:
        client = await connect_client(settings, wait_seconds=30)
        async with (
            relay_worker(client, settings, app) as worker,
            worker,
            serving(inbox, app, client) if inbox is not None else contextlib.nullcontext(),
        ):
            if demo.event is not None:
                workflow_id = await follow_chain(client, settings, app, demo, decide)
            else:
                workflow_id = await _play_goal(client, settings, app, demo, decide)
            print(f"\nworkflow id: {workflow_id}\nweb UI: {settings.run_url(workflow_id)}")
            if keep:
                print("the dev server, its Web UI and the worker stay up; Ctrl-C stops them")
                await asyncio.Event().wait()
            elif started:
                print(
                    "the dev server stops now, so the link works again once one runs on the same "
                    f"data: `relay dev --data-dir {data_dir}` (or `relay demo --keep` next time)"
                )
