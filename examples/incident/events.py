"""The incident app's events and their payloads: an alert from monitoring, an incident a triage
agent opened, and an incident a remediation agent mitigated."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Service = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$", description="e.g. checkout")]
IncidentId = Annotated[str, Field(pattern=r"^INC-\d+$", description="e.g. INC-1")]


class AlertFired(BaseModel):
    service: Service
    signal: str = Field(min_length=1, max_length=200, description="what monitoring saw")


class IncidentOpened(BaseModel):
    incident_id: IncidentId
    service: Service
    suspected_cause: str = Field(min_length=1, max_length=300)
    action: Literal["restart", "watch"]


class IncidentMitigated(BaseModel):
    incident_id: IncidentId
    service: Service
    action: str = Field(min_length=1, max_length=100)
    healthy: bool


EVENTS = {
    "alert.fired": AlertFired,
    "incident.opened": IncidentOpened,
    "incident.mitigated": IncidentMitigated,
}
