"""`relay memory list|forget`: what an app remembers about a subject (its memory's scope, e.g.
a customer id), with provenance, and forgetting it, from relay's store (RELAY_STORE)."""

import argparse

from relay.agents.memory import Memory
from relay.app import App
from relay.cli.options import add_app_option, app_of
from relay.client.errors import UserError
from relay.settings import Settings
from relay.tools.memory_store import MemoryStore
from relay.tools.stores import open_store


def add_memory_command(sub: argparse._SubParsersAction) -> None:
    memory = sub.add_parser(
        "memory",
        help="what an app remembers about a subject: list it, forget it",
        description="Memories live in relay's store (RELAY_STORE), scoped by the app and the "
        "subject its Memory(scope=...) names (e.g. a customer id).",
    )
    actions = memory.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="a subject's memories, newest first")
    forget = actions.add_parser("forget", help="forget a subject completely (or one memory)")
    forget.add_argument("--id", dest="memory_id", help="only this memory")
    for parser in (listing, forget):
        add_app_option(parser)
        parser.add_argument("--subject", required=True, help="e.g. C-1001")
    listing.set_defaults(handler=cmd_memory_list)
    forget.set_defaults(handler=cmd_memory_forget)


def _memories(app: App, settings: Settings) -> tuple[MemoryStore, Memory]:
    if app.memory is None:
        raise UserError(f"app {app.name!r} keeps no memory (App(memory=Memory(scope=...)))")
    memories = MemoryStore(open_store(settings.store()))
    memories.create_schema()
    return memories, app.memory


async def cmd_memory_list(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    memories, memory = _memories(app, settings)
    found = memories.memories_of(app.name, args.subject)
    preferences = memories.preferences(app.name, args.subject)
    if not found and not preferences:
        print(f"app {app.name!r} remembers nothing about {memory.scope} {args.subject}")
    for preference in preferences:
        label = " · untrusted" if preference.untrusted else ""
        print(
            f"preference {preference.key} = {preference.value} · {preference.updated_at} · "
            f"{preference.agent} in {preference.goal_id}{label}"
        )
    for record in found:
        label = " · untrusted" if record.untrusted else ""
        print(f"{record.id} · {record.created_at} · {record.agent} in {record.goal_id}{label}")
        print(f"  {record.text}")


async def cmd_memory_forget(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    memories, memory = _memories(app, settings)
    gone = memories.forget(app.name, args.subject, args.memory_id)
    if args.memory_id is not None and gone == 0:
        raise UserError(f"no memory {args.memory_id!r} about {memory.scope} {args.subject}")
    print(f"forgot {gone} (memories and preferences) about {memory.scope} {args.subject}")
