"""The event activities: emitting (checked against the app's payload model, then the event's
workflow started, once per id) and listing the agents that react to a type."""

from collections.abc import Callable

from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.agents.events import Event, Subscribers
from relay.agents.specs import one_line
from relay.app import App
from relay.settings import Settings
from relay.temporal.events import start_event


class EventActivities:
    def __init__(self, app: App, settings: Settings, searchable: Callable[[], bool]) -> None:
        self._app = app
        self._settings = settings
        self._searchable = searchable  # known once the worker has registered them

    @activity.defn(name="emit_event")
    async def emit_event(self, event: Event) -> bool:
        """Emit once: True when this call started the event, False when it existed (a retry)."""
        model = self._app.events.get(event.type)
        if model is None or event.app != self._app.name:
            raise ApplicationError(
                f"app {self._app.name!r} has no event type {event.type!r}",
                non_retryable=True,
                type="UnknownEvent",
            )
        try:
            model.model_validate(event.data)
        except ValidationError as err:
            message = one_line(err, f"event {event.type}")
            raise ApplicationError(message, non_retryable=True, type="InvalidEvent") from None
        return await start_event(activity.client(), event, self._settings.queue_for(event.app))

    @activity.defn(name="event_subscribers")
    async def event_subscribers(self, event_type: str) -> Subscribers:
        """The app's agents that listen to `event_type`, in the app's order."""
        return Subscribers(
            agents=[a.name for a in self._app.agents.values() if event_type in a.listens],
            searchable=self._searchable(),
        )
