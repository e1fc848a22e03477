"""The `relay` command line. Every command exits 0 on success, or prints one line and exits 1."""

import argparse
import asyncio
import logging
import os
import sys
from getpass import getuser

from relay.cli.conversation import add_conversation_command
from relay.cli.evals import add_eval_command
from relay.cli.events import add_emit_command
from relay.cli.goals import cmd_decide, cmd_run, cmd_status
from relay.cli.init import add_init_command
from relay.cli.listing import add_list_commands
from relay.cli.memory import add_memory_command
from relay.cli.models import add_models_command
from relay.cli.options import (
    OneLineParser,
    add_app_option,
    add_context_option,
)
from relay.cli.processes import (
    cmd_codec_server,
    cmd_demo,
    cmd_dev,
    cmd_mcp_serve,
    cmd_replay,
    cmd_worker,
)
from relay.cli.serve import add_serve_command
from relay.cli.signals import Stopped, stopping_on_signals
from relay.cli.threads import add_threads_command
from relay.client.errors import UserError, failure_text
from relay.settings import ConfigError, Settings
from relay.temporal.connect import TemporalUnreachable
from relay.temporal.devserver import SERVER_STOP_SECONDS
from relay.temporal.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="relay",
        description="relay: a durable multi-agent orchestrator on Temporal. "
        "Configuration comes from the environment (TEMPORAL_ADDRESS, RELAY_APP, RELAY_MODEL, "
        "RELAY_APPROVAL_SECRET, ...; the README lists them all).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = sub.add_parser("dev", help="dev server with Web UI + a worker; Ctrl-C stops both")
    dev.add_argument("--data-dir", default=".relay", help="where SQLite files live")
    dev.add_argument(
        "--port", type=int, help="the server's port (default: TEMPORAL_ADDRESS's, else 7233)"
    )
    dev.add_argument(
        "--ui-port", type=int, help="the Web UI's port (default: RELAY_UI_URL's, else 8233)"
    )
    dev.add_argument(
        "--no-worker",
        action="store_true",
        help="the tuned dev server and its Web UI only (start workers yourself)",
    )
    add_app_option(dev)
    dev.set_defaults(handler=cmd_dev)

    worker = sub.add_parser("worker", help="run a worker for an app's agents and tools")
    add_app_option(worker)
    worker.add_argument(
        "--agents",
        metavar="A,B",
        help="serve only these agents' tools (a worker pool); agents with a task_queue of "
        "their own are served on it",
    )
    worker.add_argument(
        "--deployment-name",
        metavar="NAME",
        help="serve as one version of this Worker Deployment, runs pinned to it "
        "(RELAY_DEPLOYMENT_NAME; needs --build-id)",
    )
    worker.add_argument(
        "--build-id",
        metavar="ID",
        help="this worker's build within the deployment (RELAY_BUILD_ID), e.g. a git commit",
    )
    worker.set_defaults(handler=cmd_worker)

    serve = sub.add_parser(
        "mcp-serve",
        help="serve an app's tools to any MCP client over stdio",
        description="Serve an app's tools over MCP (stdio). Risk is published as tool "
        "annotations; calls that relay would stop for a human approval are refused. "
        'Example mcp.json entry: {"relay": {"command": "relay", "args": ["mcp-serve"]}}',
    )
    serve.add_argument("--agent", help="serve only this agent's tools (least privilege)")
    add_context_option(serve, "the context calls act in, as a goal's (tools' guards check it)")
    add_app_option(serve)
    serve.set_defaults(handler=cmd_mcp_serve)

    run = sub.add_parser("run", help="start a goal")
    run.add_argument("goal", help="what is wanted, in the asker's words")
    add_context_option(
        run, "what the app knows about the goal, shown to the agents and passed to tools"
    )
    run.add_argument("--customer", help="deprecated: --context customer_id=ID")
    add_app_option(run)
    run.add_argument(
        "--model",
        help="model route, e.g. scripted or "
        "anthropic:claude-sonnet-4-5,openai:gpt-4o-mini (default: RELAY_MODEL)",
    )
    run.add_argument(
        "--id", help="workflow id (default: goal-<random>); an id that has had a run is refused"
    )
    run.add_argument(
        "--thread",
        metavar="T",
        help="continue your conversation T: the goal sees T's earlier goals and answers, and "
        "waits for T's running goal to end (`relay threads` lists yours)",
    )
    run.add_argument(
        "--new-run",
        action="store_true",
        help="with --id: start a new run under the id of a closed goal (its own ledger keys "
        "and approvals; the earlier run's are never reused)",
    )
    run.add_argument(
        "--as",
        dest="requester",
        default=getuser(),
        help="who asks (default: your login); they may not approve this goal's calls",
    )
    limits = run.add_argument_group("budget (default: RELAY_MAX_* on the worker)")
    limits.add_argument("--max-steps", type=int, help="LLM turns, all agents together")
    limits.add_argument("--max-tokens", type=int, help="LLM tokens, input and output")
    limits.add_argument("--max-cost", type=float, help="USD, all model calls together")
    limits.add_argument("--max-seconds", type=float, help="wall-clock seconds (a durable timer)")
    limits.add_argument(
        "--escalate",
        action="store_true",
        default=None,
        help="when a limit is hit, ask a human for more instead of stopping",
    )
    run.add_argument(
        "--wait",
        action="store_true",
        help="wait for the result, showing approvals as they are requested",
    )
    run.set_defaults(handler=cmd_run)

    add_threads_command(sub)
    add_conversation_command(sub)
    add_memory_command(sub)

    status = sub.add_parser(
        "status", help="a goal as a tree: agents, model turns, cost, pending approvals"
    )
    status.add_argument("workflow_id")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--watch", action="store_true", help="redraw as the run progresses, until it ends"
    )
    status.add_argument(
        "--interval", type=float, default=1.0, help="seconds between redraws (with --watch)"
    )
    status.set_defaults(handler=cmd_status)

    verbs = {
        "approve": "approve a pending approval of a goal",
        "reject": "reject a pending approval, or decline an agent's question",
        "answer": "answer a question an agent asked the goal's requester (ask_human)",
    }
    for verb, what in verbs.items():
        decide = sub.add_parser(verb, help=what)
        decide.add_argument("workflow_id")
        decide.add_argument(
            "approval_id", nargs="?", help="which approval (optional when exactly one is pending)"
        )
        decide.add_argument("--as", dest="approver", required=True, help="your name")
        decide.add_argument("--reason", help="why, for the audit trail")
        decide.add_argument(
            "--valid-for",
            type=float,
            default=900,
            metavar="SECONDS",
            help="with RELAY_APPROVAL_SECRET: how long the signed decision stays valid",
        )
        if verb == "approve":
            decide.add_argument(
                "--edit",
                metavar="JSON",
                help="approve with changed arguments: a JSON object of the fields to change "
                "(e.g. '{\"amount\": 40}'); the tool's checks run on the result",
            )
        if verb == "answer":
            decide.add_argument("--text", required=True, help="the answer (up to 4,000 chars)")
        decide.set_defaults(handler=cmd_decide, edit=None, text=None)

    add_serve_command(sub)
    add_eval_command(sub)
    add_init_command(sub)
    add_list_commands(sub)
    add_models_command(sub)
    add_emit_command(sub)

    codec = sub.add_parser(
        "codec-server",
        help="decode payloads for the Web UI and the temporal CLI (--codec-endpoint)",
        description="Serves POST /encode and /decode: relay's compressed payloads, and with "
        "the worker's encryption keys its encrypted ones, with CORS for RELAY_UI_URL's origin; "
        "RELAY_CODEC_TOKEN makes it require a bearer token.",
    )
    codec.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (default 8081)")
    codec.set_defaults(handler=cmd_codec_server)

    replay = sub.add_parser("replay", help="replay a run's history against the current code")
    replay.add_argument(
        "file", nargs="?", help="history JSON from `temporal workflow show -o json`"
    )
    replay.add_argument("--workflow-id", help="fetch the history from the server")
    add_app_option(replay)
    replay.set_defaults(handler=cmd_replay)

    demo = sub.add_parser("demo", help="start a dev server and worker, run the showcase goal")
    demo.add_argument("--data-dir", default=".relay", help="where SQLite files live")
    add_app_option(demo)
    demo.add_argument("--approve-as", help="approve the refund as NAME without asking")
    demo.add_argument(
        "--reject", action="store_true", help="with --approve-as: reject the refund instead"
    )
    demo.add_argument(
        "--keep",
        action="store_true",
        help="leave the dev server, Web UI and worker up after the run, until Ctrl-C",
    )
    demo.add_argument(
        "--inbox",
        action="store_true",
        help="decide the refund in the approval inbox (a link to open in a browser)",
    )
    demo.add_argument(
        "--inbox-port", type=int, default=8080, help="the inbox's port (default 8080)"
    )
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        # `relay dev` and `relay demo` also stop the dev server they started (itself bounded).
        server_stop = SERVER_STOP_SECONDS if args.command in ("dev", "demo") else 0
        long_running = args.command in ("worker", "dev")  # demo: its own output reads best
        configure_logging(
            pretty=args.command in ("dev", "demo"),
            redaction=settings.redaction,
            level=logging.INFO if long_running else logging.WARNING,
            confidential=settings.codec() is not None,
        )
        stop_seconds = settings.stop_seconds + server_stop
        asyncio.run(stopping_on_signals(args.handler(args, settings), stop_seconds))
    except (Stopped, KeyboardInterrupt):
        return 130
    except (UserError, ConfigError, TemporalUnreachable) as err:
        print(f"relay: error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # anything else still gets one line, never a traceback
        print(f"relay: error: {failure_text(err)}", file=sys.stderr)
        return 1
    return 0


def entry() -> None:
    """Console-script entry. The Temporal SDK's native threads can crash Python's interpreter
    teardown (seen as SIGSEGV/SIGABRT after the output, ~1 run in 30), so once the command is
    done, flush and leave without finalization."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
