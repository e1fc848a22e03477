"""A run's activities as its history records them: a plain activity (its input in the
scheduled event, the event that ended it) or a local one (one marker, with no input: a local
tool call's result names the call, agents/models.py ToolObservation.request)."""

import json
from dataclasses import dataclass

from temporalio.api.common.v1 import Payloads
from temporalio.api.history.v1 import HistoryEvent

LOCAL_ACTIVITY_MARKER = "core_local_activity"  # the SDK's marker for a local activity


@dataclass
class ActivityRecord:
    kind: str  # the activity type
    input: Payloads | None  # None: a local activity
    ended: HistoryEvent | None = None  # completed, failed, timed out, cancelled; the marker
    attempt: int = 0  # the attempt that ended it (0: none started)

    @property
    def result(self) -> Payloads | None:
        """What it returned, once it completed."""
        if self.ended is None:
            return None
        if self.ended.HasField("marker_recorded_event_attributes"):
            details = self.ended.marker_recorded_event_attributes.details
            return details.get("result")
        if self.ended.HasField("activity_task_completed_event_attributes"):
            return self.ended.activity_task_completed_event_attributes.result
        return None


def activity_records(events: list[HistoryEvent]) -> list[ActivityRecord]:
    """Activities in the order they were scheduled (a local one: when it was recorded), each
    with the event that ended it."""
    records: list[ActivityRecord] = []
    scheduled: dict[int, ActivityRecord] = {}
    for event in events:
        which = event.WhichOneof("attributes") or ""
        if which == "activity_task_scheduled_event_attributes":
            attributes = event.activity_task_scheduled_event_attributes
            record = ActivityRecord(attributes.activity_type.name, attributes.input)
            scheduled[event.event_id] = record
            records.append(record)
        elif which == "activity_task_started_event_attributes":
            started = event.activity_task_started_event_attributes
            if started.scheduled_event_id in scheduled:
                scheduled[started.scheduled_event_id].attempt = started.attempt
        elif which.startswith("activity_task_") and "cancel_requested" not in which:
            ended = scheduled.get(getattr(getattr(event, which), "scheduled_event_id", 0))
            if ended is not None:
                ended.ended = event
        elif which == "marker_recorded_event_attributes":
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == LOCAL_ACTIVITY_MARKER and "data" in marker.details:
                data = json.loads(marker.details["data"].payloads[0].data)
                records.append(
                    ActivityRecord(data["activity_type"], None, event, data.get("attempt", 1))
                )
    return records
