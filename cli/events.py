"""`relay emit TYPE`: an event from outside; every agent of the app that listens to the type
runs a goal for it (once, however often the same event id is emitted). `relay events dead`
and `relay events retry ID`: events whose delivery failed for good, and their redelivery."""

import argparse
import getpass
import json
import uuid

from pydantic import ValidationError

from relay.agents.events import Event, EventOutcome, event_workflow_id
from relay.agents.search_keys import RELAY_STATUS
from relay.cli.chains import chain_text, event_outcome
from relay.cli.options import add_app_option, add_context_option, app_of, context_of
from relay.client.errors import UserError, validation_text
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.events import start_event
from relay.workflows.event_delivery import EventWorkflow


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

    events = sub.add_parser(
        "events",
        help="dead letters: events a listener's goal failed for good; redeliver them",
        description="An event whose delivery failed for good stays open as a dead letter "
        "(for 30 days) until it is retried: `relay events dead` lists them (needs relay's "
        "search attributes), `relay events retry ID` redelivers it to the listeners that failed.",
    )
    actions = events.add_subparsers(dest="action", metavar="ACTION", required=True)
    dead = actions.add_parser("dead", help="the app's events waiting for a retry")
    add_app_option(dead)
    dead.set_defaults(handler=cmd_events_dead)
    retry = actions.add_parser("retry", help="redeliver a dead letter to the listeners that failed")
    retry.add_argument("event_id", help="the event's id (as relay emit or relay events dead say)")
    add_app_option(retry)
    retry.set_defaults(handler=cmd_events_retry)
    chain = actions.add_parser("chain", help="a chain of events: who emitted what, who reacted")
    chain.add_argument("chain_id", help="the chain's first event id (relay status CHAIN too)")
    chain.set_defaults(handler=cmd_events_chain)


async def cmd_emit(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    model = app.events.get(args.type)
    if model is None:
        known = ", ".join(app.events) or "none"
        raise UserError(f"app {app.name!r} has no event type {args.type!r}; it has: {known}")
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
        raise UserError(f"--data is not JSON: {err.msg} at character {err.pos}") from None
    except ValidationError as err:
        raise UserError(validation_text(err, f"event {args.type}")) from None
    client = await connect_client(settings)
    started = await start_event(client, event, settings.queue_for(app.name))
    workflow_id = event_workflow_id(app.name, event.id)
    said = "emitted" if started else "already emitted: the same event, delivered once"
    print(f"event {event.id} ({event.type}) {said} · {workflow_id}")
    if args.wait:
        handle = client.get_workflow_handle(workflow_id, result_type=EventOutcome)
        outcome = await handle.result()
        for delivery in outcome.deliveries:
            who = f"{delivery.app}.{delivery.agent}"
            print(f"  {who}: {delivery.status} · {delivery.workflow_id}")
        if outcome.refused:
            print(f"  not delivered: {outcome.refused}")
        elif not outcome.deliveries:
            print("  no agent listens to it")


async def cmd_events_dead(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    client = await connect_client(settings)
    query = (
        "WorkflowType = 'EventWorkflow' AND ExecutionStatus = 'Running' "
        f"AND {RELAY_STATUS.name} = 'dead_letter' AND TaskQueue = '{settings.queue_for(app.name)}'"
    )
    found = 0
    async for run in client.list_workflows(query):
        found += 1
        outcome = await event_outcome(client, run.id)
        latest = {f"{d.app}.{d.agent}": d for d in outcome.deliveries}  # each one's last try
        print(f"{outcome.event.id} ({outcome.event.type}, from {outcome.event.emitted_by})")
        for agent in outcome.dead:
            print(f"  {agent}: failed · {latest[agent].workflow_id}")
    if not found:
        print(f"no dead letters for app {app.name!r}")


async def cmd_events_retry(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    client = await connect_client(settings)
    workflow_id = event_workflow_id(app.name, args.event_id)
    outcome = await event_outcome(client, workflow_id)
    if not outcome.dead:
        raise UserError(f"event {args.event_id!r} is not a dead letter: nothing failed for good")
    await client.get_workflow_handle(workflow_id).signal(EventWorkflow.retry)
    print(f"event {args.event_id}: redelivering to {', '.join(outcome.dead)}")


async def cmd_events_chain(args: argparse.Namespace, settings: Settings) -> None:
    print(await chain_text(await connect_client(settings), args.chain_id))
