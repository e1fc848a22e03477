"""`relay emit TYPE`: an event from outside; every agent of the app that listens to the type
runs a goal for it (once, however often the same event id is emitted)."""

import argparse
import getpass
import json
import uuid

from pydantic import ValidationError

from relay.agents.events import Event, EventOutcome, event_workflow_id
from relay.cli_app import add_app_option, add_context_option, app_of, context_of
from relay.cli_output import CliError, validation_text
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.events import start_event


def add_emit_command(sub: argparse._SubParsersAction) -> None:
    emit = sub.add_parser(
        "emit",
        help="emit an event: each agent that listens to its type runs a goal for it",
        description="Checks the data against the app's payload model for the type, then starts "
        "the event's workflow (event/<app>/<id>): every listening agent runs one goal for it. "
        "Emitting an id again is the same event, delivered once.",
    )
    emit.add_argument("type", help="an event type the app declares, e.g. incident.opened")
    emit.add_argument("--data", default="{}", metavar="JSON", help="the payload (a JSON object)")
    emit.add_argument("--id", metavar="ID", help="the event's id (default: a new one)")
    emit.add_argument("--as", dest="sender", help="who emits it (default: your login)")
    emit.add_argument("--wait", action="store_true", help="wait for every delivery to end")
    add_app_option(emit)
    add_context_option(emit, "context the reacting goals get")
    emit.set_defaults(handler=cmd_emit)


async def cmd_emit(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    model = app.events.get(args.type)
    if model is None:
        known = ", ".join(app.events) or "none"
        raise CliError(f"app {app.name!r} has no event type {args.type!r}; it has: {known}")
    try:
        data = json.loads(args.data)
        model.model_validate(data)
        event = Event(
            type=args.type,
            id=args.id or uuid.uuid4().hex,
            app=app.name,
            data=data,
            emitted_by=f"outside:{args.sender or getpass.getuser()}",
            context=context_of(args),
        )
    except json.JSONDecodeError as err:
        raise CliError(f"--data is not JSON: {err.msg} at character {err.pos}") from None
    except ValidationError as err:
        raise CliError(validation_text(err, f"event {args.type}")) from None
    client = await connect_client(settings)
    started = await start_event(client, event, settings.queue_for(app.name))
    workflow_id = event_workflow_id(app.name, event.id)
    said = "emitted" if started else "already emitted: the same event, delivered once"
    print(f"event {event.id} ({event.type}) {said} · {workflow_id}")
    if args.wait:
        handle = client.get_workflow_handle(workflow_id, result_type=EventOutcome)
        outcome = await handle.result()
        for delivery in outcome.deliveries:
            print(f"  {delivery.agent}: {delivery.status} · {delivery.workflow_id}")
        if not outcome.deliveries:
            print("  no agent listens to it")
