"""The incident example as a relay app: `relay demo --app examples.incident.app:app`.

An alert (`alert.fired`, from monitoring: `relay emit`, `POST /events`) starts a chain of
events: triage opens an incident (`incident.opened`), remediation restarts the service after a
human approves (`incident.mitigated`), comms posts to the status page on both. No agent calls
another; examples/incident/postmortem.py adds one later without touching this file."""

from examples.incident import brain
from examples.incident.agents import COMMS, REMEDIATION, TRIAGE
from examples.incident.data import setup
from examples.incident.events import EVENTS
from examples.incident.tools import INCIDENT
from relay import App, Database, Demo

ALERT = {"service": "checkout", "signal": "5xx rate at 12% for 5 minutes"}
# The same incident as one orchestrated goal (its context the alert): the planner's twin of the
# chain, which benchmarks/incident_styles.py measures against it.
INCIDENT_GOAL = "Handle the alert: check the service, fix it, and tell our users."

app = App(
    "incident",
    agents=[TRIAGE, REMEDIATION, COMMS],
    tools=INCIDENT,
    database=Database(setup=setup),
    events=EVENTS,
    # Without RELAY_MODEL the example plays on the scripted test double.
    model="scripted",
    scripted=brain.respond,
    id_pattern=r"\bINC-\d+\b",
    demo=Demo(event="alert.fired", data=ALERT),
)
