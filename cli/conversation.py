"""`relay conversation AGENT_RUN`: what the model saw at each of an agent's turns, rebuilt from
the run's history (each turn records only what it added), for an audit of a run's prompts."""

import argparse
import json

from temporalio.service import RPCError, RPCStatusCode

from relay.agents.llm_models import Message
from relay.client.errors import UserError
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.conversations import SeenTurn, seen_turns


def add_conversation_command(sub: argparse._SubParsersAction) -> None:
    conversation = sub.add_parser(
        "conversation",
        help="what the model saw at each of an agent's turns (from its history)",
        description="An agent run's model turns, each with the whole conversation its model "
        "saw, rebuilt from the run's history. AGENT_RUN is an agent's workflow id, e.g. "
        "GOAL/returns-1 (`relay status GOAL` lists them).",
    )
    conversation.add_argument("workflow_id", metavar="AGENT_RUN")
    conversation.add_argument("--step", type=int, help="only this step's turn(s)")
    conversation.add_argument("--json", action="store_true", help="the turns as JSON")
    conversation.set_defaults(handler=cmd_conversation)


async def cmd_conversation(args: argparse.Namespace, settings: Settings) -> None:
    client = await connect_client(settings)
    try:
        turns = await seen_turns(client, args.workflow_id)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise UserError(f"no run {args.workflow_id!r} in this namespace") from err
        raise
    if args.step is not None:
        turns = [t for t in turns if t.step == args.step]
    if not turns:
        which = f" at step {args.step}" if args.step is not None else ""
        raise UserError(
            f"{args.workflow_id} recorded no agent model turn{which} (an agent run's id looks "
            "like GOAL/orders-1: `relay status GOAL` lists them)"
        )
    if args.json:
        print(json.dumps([t.model_dump(mode="json") for t in turns], indent=2))
        return
    print("\n\n".join(_turn_text(args.workflow_id, turn) for turn in turns))


def _turn_text(workflow_id: str, turn: SeenTurn) -> str:
    run = f" · run {turn.run}" if turn.run > 1 else ""
    lines = [
        f"{workflow_id}{run} · step {turn.step} · {turn.model} · {len(turn.messages)} messages"
    ]
    return "\n".join(lines + [_message_text(m) for m in turn.messages])


def _message_text(message: Message) -> str:
    who = f"{message.role} {message.name}" if message.name else message.role
    calls = "".join(f"\n    → {c.name}({json.dumps(c.arguments)})" for c in message.tool_calls)
    body = "\n    ".join(message.content.splitlines()) if message.content else ""
    return f"  [{who}] {body}{calls}"
