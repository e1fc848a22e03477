"""The incident app's behaviour for the `scripted` test double: a rule-based stand-in for an
LLM that plays the example deterministically, both as reactions to events (choreography) and
as one planned goal (orchestration). It sees only what a model would see: the messages."""

import json
import re
from typing import Any

from relay.testing import LlmRequest, ToolCall, agents_brain, tool_output_body, upstream_results

_INCIDENT = re.compile(r"\bINC-\d+\b")


def _first_user(request: LlmRequest) -> str:
    return next((m.content for m in request.messages if m.role == "user"), "")


def _field(text: str, label: str) -> str:
    match = re.search(rf"^{label}: (.*)$", text, re.M)
    return match.group(1).strip() if match else ""


def _results(request: LlmRequest) -> dict[str, dict[str, Any]]:
    """Each tool's latest result, by tool name."""
    results = [
        json.loads(tool_output_body(m.content)) for m in request.messages if m.role == "tool"
    ]
    return {r["tool"]: r for r in results}


def _call(request: LlmRequest, name: str, **arguments: Any) -> tuple[str, list[ToolCall]]:
    return "", [ToolCall(id=f"call-{request.step}-{name}", name=name, arguments=arguments)]


def _about(prompt: str) -> tuple[str, dict[str, Any]]:
    """(event type, payload) of the event a reaction runs for; ("", the goal's context) in a
    planned goal, whose context names the service and the signal."""
    event = _field(prompt, "event")
    if event:
        return _field(prompt, "event_type"), json.loads(event)
    about: dict[str, Any] = {
        "service": _field(prompt, "service"),
        "signal": _field(prompt, "signal"),
    }
    incident = _INCIDENT.search(prompt)
    if incident:
        about["incident_id"] = incident.group(0)
        about["action"] = "watch" if "action: watch" in prompt else "restart"
    return "", about


def _triage(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    kind, alert = _about(_first_user(request))
    done = _results(request)
    service = alert["service"]
    if "get_health" not in done:
        return _call(request, "get_health", service=service)
    health = done["get_health"]["data"]
    cause = f"error rate {health['error_rate']:.1%} since deploy {health['last_deploy']}"
    action = "watch" if health["healthy"] else "restart"
    if "open_incident" not in done:
        return _call(
            request, "open_incident", service=service, summary=f"{alert['signal']}; {cause}"
        )
    incident = done["open_incident"]["data"]["incident_id"]
    if kind and "emit_incident_opened" not in done:
        return _call(
            request,
            "emit_incident_opened",
            incident_id=incident,
            service=service,
            suspected_cause=cause,
            action=action,
        )
    return f"Opened {incident} for {service}: {cause}; action: {action}.", []


def _remediation(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    kind, incident = _about(_first_user(request))
    done = _results(request)
    service, incident_id = incident["service"], incident["incident_id"]
    if incident["action"] != "restart":
        return f"{incident_id}: nothing to do for {service}, triage said watch.", []
    if "restart_service" not in done:
        return _call(request, "restart_service", service=service, incident_id=incident_id)
    restart = done["restart_service"]
    if not restart["ok"]:
        return f"{incident_id}: {service} was not restarted: {restart['error']}", []
    if "get_health" not in done:
        return _call(request, "get_health", service=service)
    healthy = done["get_health"]["data"]["healthy"]
    if kind and "emit_incident_mitigated" not in done:
        return _call(
            request,
            "emit_incident_mitigated",
            incident_id=incident_id,
            service=service,
            action="restart",
            healthy=healthy,
        )
    state = "healthy again" if healthy else "still unhealthy"
    return f"{incident_id}: restarted {service}, which is {state}.", []


def _comms(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    kind, incident = _about(_first_user(request))
    done = _results(request)
    incident_id, service = incident.get("incident_id", ""), incident["service"]
    resolved = kind == "incident.mitigated" or (
        not kind and "healthy again" in _first_user(request)
    )
    message = (
        f"Resolved: {service} is working normally again ({incident_id})."
        if resolved
        else f"Investigating: {service} shows errors; we are on it ({incident_id})."
    )
    if "post_status" not in done:
        return _call(request, "post_status", incident_id=incident_id, message=message)
    return f"Posted to the status page for {incident_id}: {message}", []


def _plan(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    """The orchestrated twin of the chain: triage, then remediation, then comms."""
    steps = [
        ("triage", [], "Triage the alert: check the service and open an incident."),
        ("remediation", ["triage"], "Remediate the incident triage opened."),
        ("comms", ["remediation"], "Post the incident's outcome to the status page."),
    ]
    tasks = [
        {"id": agent, "agent": agent, "depends_on": after, "instruction": text}
        for agent, after, text in steps
    ]
    return json.dumps({"tasks": tasks}), []


def _synthesize(request: LlmRequest) -> tuple[str, list[ToolCall]]:
    return "\n".join(f"- {agent}: {answer}" for agent, answer in upstream_results(request)), []


respond = agents_brain(
    {"triage": _triage, "remediation": _remediation, "comms": _comms}, _plan, _synthesize
)
