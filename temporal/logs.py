"""Logging, configured once per process: structlog, JSON lines by default (a readable console
in `relay dev`). Lines from workflows (Temporal's replay-safe workflow logger), activities and
relay's own code all pass through the same processors, which lift Temporal's context into
fields (workflow_id, run_id, activity, ...) and redact secrets and card numbers."""

import logging
import sys
from typing import Any, TextIO

import structlog
from temporalio import activity, workflow

from relay.agents.redaction import Redaction, redact

# Temporal's loggers put their context in `extra` as one dict; relay's own extras (agent,
# step, tool) arrive as plain fields.
_WORKFLOW_FIELDS = {"workflow_id", "run_id", "workflow_type", "attempt"}
_ACTIVITY_FIELDS = {"activity_id", "activity_type", "workflow_id", "workflow_run_id", "attempt"}


def _temporal_context(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, fields in (
        ("temporal_workflow", _WORKFLOW_FIELDS),
        ("temporal_activity", _ACTIVITY_FIELDS),
    ):
        context = event.pop(key, None)
        if isinstance(context, dict):
            event.update({k: v for k, v in context.items() if k in fields})
    if "workflow_run_id" in event:
        event["run_id"] = event.pop("workflow_run_id")
    return event


def _redactor(rules: Redaction) -> structlog.types.Processor:
    def redact_event(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        for key, value in event.items():
            if isinstance(value, str) and not key.startswith("_"):
                event[key] = redact(value, rules)
        return event

    return redact_event


def _without_payload_text(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """With encryption on, the SDK's own lines must not carry what the codec hides: the
    arguments and exceptions it logs hold failure messages and payload values."""
    if str(event.get("logger", "")).startswith("temporalio"):
        for key in ("positional_args", "exc_info", "exception", "stack_info"):
            event.pop(key, None)
    return event


def configure_logging(
    pretty: bool = False,
    redaction: Redaction | None = None,
    stream: TextIO | None = None,
    level: int = logging.INFO,
    confidential: bool = False,
) -> logging.Handler:
    """Route stdlib and structlog logging through one handler; returns it. `confidential`
    (encryption on) keeps payload text out of the SDK's log lines."""
    # The fields carry Temporal's context; the message stays the message.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _temporal_context,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redactor(redaction or Redaction()),
    ]
    if confidential:
        shared.append(_without_payload_text)
    renderer = structlog.dev.ConsoleRenderer() if pretty else structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return handler
