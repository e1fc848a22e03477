"""`relay run --thread T` and `relay threads`: a person's conversations with an app. Thread ids
are the person's own (the thread's workflow is `thread/<app>/<person>/<T>`)."""

import argparse
import re
from getpass import getuser

from temporalio.client import Client
from temporalio.service import RPCError

from relay.agents.models import GoalRequest
from relay.agents.threads import THREAD_ID, ThreadState, thread_workflow_id
from relay.cli.options import add_app_option, app_of
from relay.cli.output import follow, print_result
from relay.client.errors import UserError
from relay.settings import Settings
from relay.temporal.connect import connect_client
from relay.temporal.threads import ThreadRefused, continue_thread, started_goal
from relay.workflows.thread import ThreadWorkflow


def add_threads_command(sub: argparse._SubParsersAction) -> None:
    threads = sub.add_parser(
        "threads",
        help="your conversations: `relay threads` lists them, `relay threads show T` one",
        description="A thread is one person's conversation with an app: `relay run GOAL "
        "--thread T` continues it (the goal sees its earlier goals and answers, and runs after "
        "the thread's running goal).",
    )
    add_app_option(threads)
    threads.add_argument("--as", dest="owner", default=getuser(), help="whose threads")
    actions = threads.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="a thread's goals and answers, in order")
    show.add_argument("thread")
    threads.set_defaults(handler=cmd_threads)


def thread_id_problem(thread: str) -> str | None:
    if re.match(THREAD_ID, thread):
        return None
    return f"thread id {thread[:100]!r} must be letters, digits, '_', '.', ':' or '-' (100 at most)"


async def run_in_thread(
    client: Client, settings: Settings, args: argparse.Namespace, request: GoalRequest
) -> None:
    problem = thread_id_problem(args.thread)
    if problem is not None:
        raise UserError(problem)
    owner = request.requested_by or getuser()
    asked = request.model_copy(update={"thread": args.thread, "requested_by": owner})
    try:
        goal_id = await continue_thread(client, asked, settings.queue_for(asked.app or ""))
    except ThreadRefused as err:
        raise UserError(str(err)) from None
    print(f"goal {goal_id} continues thread {args.thread}\n  web UI: {settings.run_url(goal_id)}")
    if args.wait:
        handle = await started_goal(client, goal_id)
        print_result(await follow(handle))


async def cmd_threads(args: argparse.Namespace, settings: Settings) -> None:
    app = app_of(args)
    client = await connect_client(settings)
    if args.action == "show":
        state = await thread_state(client, thread_workflow_id(app.name, args.owner, args.thread))
        print(thread_text(state))
        return
    prefix = thread_workflow_id(app.name, args.owner, "")
    query = f"WorkflowType = 'ThreadWorkflow' AND WorkflowId STARTS_WITH '{prefix}'"
    found = False
    async for run in client.list_workflows(query):
        found = True
        since = f"{run.start_time:%Y-%m-%d %H:%M}"
        print(f"{run.id.removeprefix(prefix)} · {run.status.name.lower()} · since {since}")
    if not found:
        print(f"{args.owner} has no threads with app {app.name!r}")


async def thread_state(client: Client, workflow_id: str) -> ThreadState:
    try:
        return await client.get_workflow_handle(workflow_id).query(ThreadWorkflow.state)
    except RPCError as err:
        raise UserError(f"no thread {workflow_id!r}: {err.message}") from None


def thread_text(state: ThreadState) -> str:
    lines = [f"thread {state.thread} ({state.owner}) · {len(state.turns)} turn(s)"]
    for turn in state.turns:
        lines += [
            f"  {turn.goal_id} · {turn.status}",
            f"    asked: {turn.goal}",
            f"    answered: {turn.answer}",
        ]
    if state.running:
        lines.append(f"  running: {state.running}")
    lines += [f"  waiting: {goal_id}" for goal_id in state.waiting]
    return "\n".join(lines)
