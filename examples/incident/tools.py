"""The incident app's tools, written as typed functions. A restart is irreversible: a human
decides every one. Each write commits with its ledger row, so a retried call acts once."""

from typing import Annotated, Any

from pydantic import Field

from examples.incident.events import IncidentId, Service
from relay import ToolBusinessError, ToolContext, ToolSet

INCIDENT = ToolSet()


def _service(ctx: ToolContext, service: str) -> dict[str, Any]:
    row = ctx.db.execute("SELECT * FROM services WHERE name = ?", (service,)).fetchone()
    if row is None:
        raise ToolBusinessError(f"no service {service}")
    return {
        "service": row["name"],
        "healthy": bool(row["healthy"]),
        "error_rate": row["error_rate"],
        "last_deploy": row["last_deploy"],
    }


@INCIDENT.tool(risk="read", idempotent=True)
def get_health(service: Service, ctx: ToolContext) -> dict[str, Any]:
    """A service's health: whether it is healthy, its error rate and its last deploy."""
    return _service(ctx, service)


@INCIDENT.tool(risk="write")
def open_incident(
    service: Service,
    summary: Annotated[str, Field(min_length=1, max_length=300)],
    ctx: ToolContext,
) -> dict[str, Any]:
    """Open an incident for a service, with what is known so far."""
    _service(ctx, service)
    cursor = ctx.db.execute(
        "INSERT INTO incidents (service, summary, status) VALUES (?, ?, 'open')",
        (service, summary),
    )
    return {"incident_id": f"INC-{cursor.lastrowid}", "service": service, "status": "open"}


@INCIDENT.tool(risk="irreversible")
def restart_service(service: Service, incident_id: IncidentId, ctx: ToolContext) -> dict[str, Any]:
    """Restart a service (a rolling restart onto its previous version) for an incident."""
    _service(ctx, service)
    ctx.db.execute("INSERT INTO restarts (service, incident) VALUES (?, ?)", (service, incident_id))
    ctx.db.execute("UPDATE services SET healthy = 1, error_rate = 0.002 WHERE name = ?", (service,))
    ctx.db.execute(
        "UPDATE incidents SET status = 'mitigated' WHERE seq = ?", (int(incident_id[4:]),)
    )
    return {"service": service, "incident_id": incident_id, "restarted": True}


@INCIDENT.tool(risk="write")
def post_status(
    incident_id: IncidentId,
    message: Annotated[str, Field(min_length=1, max_length=500)],
    ctx: ToolContext,
) -> dict[str, Any]:
    """Post an update about an incident to the public status page."""
    cursor = ctx.db.execute(
        "INSERT INTO status_posts (incident, message) VALUES (?, ?)", (incident_id, message)
    )
    return {"post": cursor.lastrowid, "incident_id": incident_id, "posted": message}
