"""The helpdesk's tools. `reset_password` is irreversible and names no approval rule, so a
human decides every call."""

from typing import Any

from pydantic import BaseModel, Field

from examples.helpdesk.directory import Directory
from relay import Compensation, ToolBusinessError, ToolContext, ToolSet

HELPDESK = ToolSet()

UserId = Field(pattern=r"^U-\d+$", description="User id, e.g. U-1001")


def directory(ctx: ToolContext) -> Directory:
    return ctx.resources


class UserArgs(BaseModel):
    user_id: str = UserId


@HELPDESK.tool(args=UserArgs, risk="read", idempotent=True)
def lookup_user(args: UserArgs, ctx: ToolContext) -> dict[str, Any]:
    """A user's name, email and whether their account is locked."""
    user = directory(ctx).user(args.user_id)
    if user is None:
        raise ToolBusinessError(f"no user {args.user_id}")
    return user


class ServiceArgs(BaseModel):
    service: str = Field(min_length=1, max_length=40, description="e.g. vpn, email, wifi")


@HELPDESK.tool(args=ServiceArgs, risk="read", idempotent=True)
def check_service_status(args: ServiceArgs, ctx: ToolContext) -> dict[str, Any]:
    """Whether an IT service is operational, with any known incident."""
    service = directory(ctx).service(args.service.lower())
    if service is None:
        raise ToolBusinessError(f"no service {args.service!r}; known: vpn, email, wifi")
    return service


@HELPDESK.tool(args=UserArgs, risk="irreversible")
def reset_password(args: UserArgs, ctx: ToolContext) -> dict[str, Any]:
    """Unlock the account and send the user a password reset link."""
    if directory(ctx).user(args.user_id) is None:
        raise ToolBusinessError(f"no user {args.user_id}")
    # relay's key goes on to the directory, so a retried call resets once.
    return directory(ctx).reset_password(args.user_id, ctx.idempotency_key)


class TicketArgs(BaseModel):
    user_id: str = UserId
    summary: str = Field(min_length=1, max_length=300)


@HELPDESK.tool(
    args=TicketArgs,
    risk="write",
    compensation=Compensation(tool="close_ticket", arguments_from={"ticket_id": "ticket_id"}),
)
def open_ticket(args: TicketArgs, ctx: ToolContext) -> dict[str, Any]:
    """Open a ticket for the IT team."""
    return directory(ctx).open_ticket(args.user_id, args.summary, ctx.idempotency_key)


class CloseArgs(BaseModel):
    ticket_id: str = Field(pattern=r"^TKT-\d+$")


@HELPDESK.tool(args=CloseArgs, risk="write", idempotent=True)
def close_ticket(args: CloseArgs, ctx: ToolContext) -> dict[str, Any]:
    """Close a ticket (closing a closed one changes nothing)."""
    closed = directory(ctx).close_ticket(args.ticket_id)
    if closed is None:
        raise ToolBusinessError(f"no ticket {args.ticket_id}")
    return closed
