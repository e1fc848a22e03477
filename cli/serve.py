"""`relay serve`: the HTTP API and approval inbox (relay.service) for an app."""

import argparse
import os
from pathlib import Path

from relay.cli.options import add_app_option, app_of
from relay.client.errors import UserError
from relay.settings import Settings
from relay.temporal.connect import TemporalUnreachable, connect_client


def add_serve_command(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="HTTP API for goals and approvals, with the approval inbox page",
        description="A stateless HTTP service (run several behind a load balancer): POST "
        "/goals, GET /goals/ID, /goals/ID/events (SSE), /approvals, and the inbox at /inbox; "
        "OpenAPI at /docs. Callers sign in with bearer tokens from an identities file; "
        "decisions are signed with RELAY_APPROVAL_SECRET (the workers' secret).",
    )
    add_app_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument(
        "--identities",
        metavar="FILE",
        default=os.environ.get("RELAY_IDENTITIES"),
        help='who may call: {"people": [{"name", "roles", "token_sha256"}]} (RELAY_IDENTITIES)',
    )
    serve.add_argument(
        "--hash-token",
        metavar="TOKEN",
        help="print the token_sha256 of TOKEN for the identities file, and exit",
    )
    serve.set_defaults(handler=cmd_serve)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    from relay.service.http_app import approval_secret, create_api, http_server
    from relay.service.identities import IdentitiesError, load_identities, token_hash

    if args.hash_token is not None:
        print(token_hash(args.hash_token))
        return
    if not args.identities:
        raise UserError("relay serve needs an identities file: --identities FILE")
    try:
        identities = load_identities(Path(args.identities))
    except IdentitiesError as err:
        raise UserError(str(err)) from None
    app = app_of(args)
    try:
        approval_secret(settings)  # a setting's problem before a connection's
        api = create_api(settings, app, identities, await connect_client(settings))
    except (ValueError, TemporalUnreachable) as err:
        raise UserError(str(err)) from None
    print(
        f"serving app {app.name!r} at http://{args.host}:{args.port} (inbox /inbox, API docs "
        f"/docs) for {len(identities.people)} people; Ctrl-C stops it",
        flush=True,
    )
    await http_server(api, args.host, args.port).serve()
