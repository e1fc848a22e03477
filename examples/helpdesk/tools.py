"""The helpdesk's tools, written as typed functions: each one's arguments come from its
signature. `reset_password` is irreversible and names no approval rule, so a human decides
every call."""

from typing import Annotated, Any

from pydantic import Field

from examples.helpdesk.directory import Directory
from relay import Compensation, ToolBusinessError, ToolContext, ToolSet

HELPDESK = ToolSet()

UserId = Annotated[str, Field(pattern=r"^U-\d+$", description="User id, e.g. U-1001")]


def directory(ctx: ToolContext) -> Directory:
    return ctx.resources


@HELPDESK.tool(risk="read", idempotent=True)
def lookup_user(user_id: UserId, ctx: ToolContext) -> dict[str, Any]:
    """A user's name, email and whether their account is locked."""
    user = directory(ctx).user(user_id)
    if user is None:
        raise ToolBusinessError(f"no user {user_id}")
    return user


@HELPDESK.tool(risk="read", idempotent=True)
def check_service_status(
    service: Annotated[str, Field(min_length=1, max_length=40)], ctx: ToolContext
) -> dict[str, Any]:
    """Whether an IT service is operational, with any known incident.

    Args:
        service: e.g. vpn, email, wifi
    """
    status = directory(ctx).service(service.lower())
    if status is None:
        raise ToolBusinessError(f"no service {service!r}; known: vpn, email, wifi")
    return status


@HELPDESK.tool(risk="irreversible")
def reset_password(user_id: UserId, ctx: ToolContext) -> dict[str, Any]:
    """Unlock the account and send the user a password reset link."""
    if directory(ctx).user(user_id) is None:
        raise ToolBusinessError(f"no user {user_id}")
    # relay's key goes on to the directory, so a retried call resets once.
    return directory(ctx).reset_password(user_id, ctx.idempotency_key)


@HELPDESK.tool(
    risk="write",
    compensation=Compensation(tool="close_ticket", arguments_from={"ticket_id": "ticket_id"}),
)
def open_ticket(
    user_id: UserId, summary: Annotated[str, Field(min_length=1, max_length=300)], ctx: ToolContext
) -> dict[str, Any]:
    """Open a ticket for the IT team."""
    return directory(ctx).open_ticket(user_id, summary, ctx.idempotency_key)


@HELPDESK.tool(risk="write", idempotent=True)
def close_ticket(
    ticket_id: Annotated[str, Field(pattern=r"^TKT-\d+$")], ctx: ToolContext
) -> dict[str, Any]:
    """Close a ticket (closing a closed one changes nothing)."""
    closed = directory(ctx).close_ticket(ticket_id)
    if closed is None:
        raise ToolBusinessError(f"no ticket {ticket_id}")
    return closed
