"""What the `relay` commands share about apps: `--app`, the goal's `--context`, route checks,
and argument errors as one line (exit 1) instead of a usage block."""

import argparse
import os
import sys
from typing import NoReturn

from relay.app import App, AppError, load_app
from relay.client.errors import UserError

# The demo shop; a name resolved at run time, since examples/ is not installed with relay.
DEFAULT_APP = "examples.shop.app:app"
CONTEXT_ITEM_LIMIT = 1000


class OneLineParser(argparse.ArgumentParser):
    """Argument errors print one line and exit 1, like every other relay error."""

    def error(self, message: str) -> NoReturn:
        print(f"relay: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(1)


def add_app_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app",
        metavar="MODULE:ATTR",
        help="the app to serve, e.g. examples.helpdesk.app:app "
        f"(default: RELAY_APP, else the demo shop {DEFAULT_APP})",
    )


def add_context_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--context",
        action="append",
        metavar="KEY=VALUE",
        help=f"{what} (repeatable), e.g. --context customer_id=C-1001",
    )


def app_of(args: argparse.Namespace) -> App:
    """The app named by --app or RELAY_APP; the demo shop when neither is set and it is here.
    The current directory is importable, as for `python -m` (a user's app lives there)."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    reference = getattr(args, "app", None) or os.environ.get("RELAY_APP")
    try:
        return load_app(reference or DEFAULT_APP)
    except AppError as err:
        if reference is None:
            raise UserError(
                "no app given: pass --app module:attribute or set RELAY_APP "
                f"(the demo shop, {DEFAULT_APP}, is not here: {err})"
            ) from None
        raise UserError(str(err)) from None


def context_of(args: argparse.Namespace) -> dict[str, str]:
    """`--context key=value` items (and the deprecated `--customer ID`) as the goal's context."""
    context: dict[str, str] = {}
    for item in args.context or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--context {item!r}: expected key=value")
        context[key.strip()] = value
    if getattr(args, "customer", None):
        context.setdefault("customer_id", args.customer)
    return context
