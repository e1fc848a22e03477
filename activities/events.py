"""The event activities: emitting (checked against the app's payload model, admitted by the
event's chain, then the event's workflow started, once per id), admitting an event emitted
from outside, and listing the agents that react to a type."""

from collections.abc import Callable

from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.agents.chains import CHAIN_REFUSED, Admission
from relay.agents.events import Event, Listener, Subscribers
from relay.agents.specs import one_line
from relay.app import App
from relay.settings import Settings
from relay.temporal.chains import admit
from relay.temporal.events import start_event
from relay.temporal.subscriptions import listeners_of


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
        admission = await self.admit_event(event)
        if not admission.admitted:
            raise ApplicationError(admission.reason, non_retryable=True, type=CHAIN_REFUSED)
        granted = event.model_copy(update={"grant_usd": admission.grant_usd})
        return await start_event(activity.client(), granted, self._settings.queue_for(event.app))

    @activity.defn(name="admit_event")
    async def admit_event(self, event: Event) -> Admission:
        """The event's chain admits it against the app's chain budget, or refuses it."""
        queue = self._settings.queue_for(event.app)
        budget = self._app.chain_budget
        return await admit(activity.client(), event, budget, queue, self._searchable())

    @activity.defn(name="event_subscribers")
    async def event_subscribers(self, event_type: str) -> Subscribers:
        """Who listens to `event_type`: this app's agents (known here, whatever visibility
        shows yet) and every registered listener of other apps."""
        own = own_listeners(self._app, self._settings, event_type)
        searchable = self._searchable()
        others = await listeners_of(activity.client(), event_type) if searchable else []
        known = {(o.app, o.agent) for o in own}
        listeners = own + [o for o in others if (o.app, o.agent) not in known]
        return Subscribers(listeners=listeners, searchable=searchable)


def own_listeners(app: App, settings: Settings, event_type: str | None = None) -> list[Listener]:
    """The app's agents that listen (to `event_type`, or to anything), in the app's order."""
    return [
        Listener(
            app=app.name, agent=a.name, task_queue=a.task_queue or settings.queue_for(app.name)
        )
        for a in app.agents.values()
        if a.listens and (event_type is None or event_type in a.listens)
    ]
