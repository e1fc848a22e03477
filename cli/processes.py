"""The commands that run relay's own processes: a worker, the dev stack (`relay dev`), the
demo, an MCP server for an app's tools, the codec server, and a replay check of a history."""

import argparse
import sys
from pathlib import Path

from relay.app import AppError
from relay.cli.goals import existing_goal
from relay.cli.options import app_of, context_of
from relay.client.errors import UserError
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.deployment import describe_version


def versioned(settings: Settings, name: str | None, build_id: str | None) -> Settings:
    """Settings with the worker's deployment version from its flags (over the environment)."""
    chosen = settings.model_copy(
        update={
            "deployment_name": name or settings.deployment_name,
            "build_id": build_id or settings.build_id,
        }
    )
    if (chosen.deployment_name is None) != (chosen.build_id is None):
        raise UserError("--deployment-name and --build-id go together: give both or neither")
    return chosen


async def cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    from relay.worker import run_worker

    app = app_of(args)
    settings = versioned(settings, args.deployment_name, args.build_id)
    agents = [a.strip() for a in (args.agents or "").split(",") if a.strip()] or None
    try:
        queue = (app.pool_queue(agents) if agents else None) or settings.queue_for(app.name)
    except AppError as err:
        raise UserError(str(err)) from None
    serving = f"agents {', '.join(agents)} of app {app.name!r}" if agents else f"app {app.name!r}"
    print(
        f"worker for {serving} on task queue {queue!r} at "
        f"{settings.temporal_address}, model route {app.default_route(settings.model)}, "
        f"{describe_version(settings)}; Ctrl-C stops it"
    )
    await run_worker(settings, app, agents)


async def cmd_mcp_serve(args: argparse.Namespace, settings: Settings) -> None:
    from relay.tools.mcp_serve import build_server, serve_stdio
    from relay.tools.runtime import AppRuntime

    app = app_of(args)
    agent = None
    if args.agent is not None:
        agent = app.agents.get(args.agent)
        if agent is None:
            raise UserError(f"no agent {args.agent!r}; choose one of {sorted(app.agents)}")
    runtime = AppRuntime(app, settings)
    # stdout carries the protocol, so the one status line goes to stderr.
    print(f"serving the tools of app {app.name!r} over MCP (stdio)", file=sys.stderr)
    await serve_stdio(build_server(runtime, agent, context_of(args)))


async def cmd_replay(args: argparse.Namespace, settings: Settings) -> None:
    from relay.client.replay import replay_file, replay_workflow

    # Replay runs workflow code only, but a user's workflows may come with their app's module.
    app_of(args)
    if args.workflow_id:
        client = await connect_client(settings)
        await existing_goal(client, args.workflow_id)
        verdict = await replay_workflow(client, args.workflow_id)
    elif args.file:
        try:
            verdict = await replay_file(Path(args.file), converter=settings.converter())
        except ValueError as err:
            raise UserError(str(err)) from None
    else:
        raise UserError("give a history FILE or --workflow-id ID")
    if verdict is not None:
        raise UserError(f"NOT compatible with the current code: {verdict}")
    print("compatible: the history replays against the current code")


async def cmd_codec_server(args: argparse.Namespace, settings: Settings) -> None:
    from relay.temporal.codec_server import origin_of, serve_until_cancelled

    codec = settings.payload_codec()
    token = settings.codec_token.get_secret_value() if settings.codec_token else None
    print(
        f"codec server on http://127.0.0.1:{args.port} (/encode, /decode) for "
        f"{origin_of(settings.ui_url)}" + ("; bearer token required" if token else "")
    )
    await serve_until_cancelled(codec, args.port, origin_of(settings.ui_url), token)


async def cmd_dev(args: argparse.Namespace, settings: Settings) -> None:
    from relay.cli.devstack import run_dev

    for flag, port in (("--port", args.port), ("--ui-port", args.ui_port)):
        if port is not None and not 1 <= port <= 65535:
            raise UserError(f"{flag} {port}: a port is 1-65535")
    if args.port is not None:
        settings = settings.model_copy(update={"temporal_address": f"127.0.0.1:{args.port}"})
    if args.ui_port is not None:
        settings = settings.model_copy(update={"ui_url": f"http://localhost:{args.ui_port}"})
    app = None if args.no_worker else app_of(args)
    await run_dev(settings, Path(args.data_dir), app)


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    from relay.cli.devstack import run_demo

    await run_demo(
        settings,
        Path(args.data_dir),
        app_of(args),
        approve_as=args.approve_as,
        reject=args.reject,
        keep=args.keep,
        inbox_port=args.inbox_port if args.inbox else None,
    )
