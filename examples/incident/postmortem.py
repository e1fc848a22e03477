"""An agent added later, as an app of its own: it drafts a postmortem for every mitigated
incident. `relay worker --app examples.incident.postmortem:app` starts it on its own task
queue; the incident app's code and configuration do not change, and it receives the
incident.mitigated events emitted after its worker started."""

import sqlite3
from typing import Annotated, Any

from pydantic import Field

from examples.incident.events import IncidentId, IncidentMitigated, Service
from relay import Agent, App, Database, ToolContext, ToolSet
from relay.testing import LlmRequest, ToolCall, upstream_results

POSTMORTEM_TOOLS = ToolSet()


def setup(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS postmortems (incident TEXT PRIMARY KEY, service TEXT NOT "
        "NULL, draft TEXT NOT NULL)"
    )


@POSTMORTEM_TOOLS.tool(risk="write")
def draft_postmortem(
    incident_id: IncidentId,
    service: Service,
    draft: Annotated[str, Field(min_length=1, max_length=2000)],
    ctx: ToolContext,
) -> dict[str, Any]:
    """Save the first draft of an incident's postmortem (a later draft replaces it)."""
    ctx.db.execute(
        "INSERT INTO postmortems VALUES (?, ?, ?) ON CONFLICT (incident) DO UPDATE SET "
        "draft = excluded.draft",
        (incident_id, service, draft),
    )
    return {"incident_id": incident_id, "drafted": True}


POSTMORTEM = Agent(
    "postmortem",
    description="Drafts a blameless postmortem for every mitigated incident.",
    instructions=(
        "Draft a short, blameless postmortem of the mitigated incident: what broke, how it "
        "was mitigated, and what to follow up."
    ),
    tools=[draft_postmortem],
    listens=["incident.mitigated"],
)


def respond(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    """The postmortem agent's behaviour for the `scripted` test double (and the goal's
    answer: the agent's own)."""
    prompt = next((m.content for m in request.messages if m.role == "user"), "")
    if request.purpose != "agent":
        return next((answer for _, answer in upstream_results(request)), ""), []
    event = next(
        (line.split(": ", 1)[1] for line in prompt.splitlines() if line.startswith("event: ")),
        "{}",
    )
    mitigated = IncidentMitigated.model_validate_json(event)
    if not any(m.role == "tool" for m in request.messages):
        draft = (
            f"{mitigated.incident_id}: {mitigated.service} failed after a deploy; mitigated by a "
            f"{mitigated.action}. Follow-up: a canary for {mitigated.service}'s deploys."
        )
        call = ToolCall(
            id=f"call-{request.step}",
            name="draft_postmortem",
            arguments={
                "incident_id": mitigated.incident_id,
                "service": mitigated.service,
                "draft": draft,
            },
        )
        return "", [call]
    return f"Drafted the postmortem of {mitigated.incident_id}.", []


app = App(
    "postmortem",
    agents=[POSTMORTEM],
    tools=POSTMORTEM_TOOLS,
    database=Database(setup=setup),
    events={"incident.mitigated": IncidentMitigated},
    model="scripted",
    scripted=respond,
    id_pattern=r"\bINC-\d+\b",
)
