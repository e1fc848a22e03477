"""The helpdesk app: `relay worker --app examples.helpdesk.app:app`."""

from examples.helpdesk.directory import open_directory
from examples.helpdesk.tools import (
    HELPDESK,
    check_service_status,
    close_ticket,
    lookup_user,
    open_ticket,
    reset_password,
)
from relay import Agent, App, Route

diagnostics = Agent(
    "diagnostics",
    description="Checks IT services (VPN, email, wifi) and opens tickets for problems.",
    instructions=(
        "You are the diagnostics agent of an IT helpdesk. Check the status of the services "
        "the user mentions, report incidents by their id, and open a ticket when a service "
        "is not operational."
    ),
    tools=[check_service_status, lookup_user, open_ticket, close_ticket],
)

access = Agent(
    "access",
    description="Unlocks accounts and resets passwords.",
    instructions=(
        "You are the access agent of an IT helpdesk. Look the user up before anything else; "
        "reset a password only for a locked account. A human approves every reset."
    ),
    tools=[lookup_user, reset_password, open_ticket, close_ticket],
)

app = App(
    "helpdesk",
    agents=[diagnostics, access],
    tools=HELPDESK,
    routes=[
        Route(pattern=r"\b(password|locked|log ?in|sign ?in|account|mfa)\b", agents=["access"]),
        Route(pattern=r"\b(vpn|email|wifi|outage|down|slow|not working)\b", agents=["diagnostics"]),
    ],
    resources=open_directory,
    id_pattern=r"\b(?:U|INC|TKT|RST)-\d{3,}\b",
)
