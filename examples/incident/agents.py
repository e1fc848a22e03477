"""The incident app's agents. Each one listens to an event and emits the next: none of them
knows who reacts to what it emits."""

from examples.incident.tools import get_health, open_incident, post_status, restart_service
from relay import Agent

TRIAGE = Agent(
    "triage",
    description="Looks at an alert, opens an incident and says what should be done.",
    instructions=(
        "You triage alerts. Check the service's health, open an incident with what you found, "
        "then emit incident.opened with the suspected cause and the action: restart when the "
        "service is unhealthy since a recent deploy, watch otherwise."
    ),
    tools=[get_health, open_incident],
    listens=["alert.fired"],
    emits=["incident.opened"],
)

REMEDIATION = Agent(
    "remediation",
    description="Fixes an incident's service: restarts it when triage says so.",
    instructions=(
        "You remediate incidents. When the action is restart, restart the service (a human "
        "approves it), check its health again and emit incident.mitigated. When it is watch, "
        "do nothing and say so."
    ),
    tools=[restart_service, get_health],
    listens=["incident.opened"],
    emits=["incident.mitigated"],
)

COMMS = Agent(
    "comms",
    description="Keeps the status page up to date about incidents.",
    instructions=(
        "You write the public status page. Post one short, factual update for the incident: "
        "that it is investigated when it opened, that it is resolved when it was mitigated."
    ),
    tools=[post_status],
    listens=["incident.opened", "incident.mitigated"],
)
