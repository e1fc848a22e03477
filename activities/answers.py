"""The `check_answer` activity: a typed answer validated against the app's model class, which
only the worker has (runs carry the schema). Pure and quick; its verdict is kept in history,
so a replay never validates again."""

from temporalio import activity
from temporalio.exceptions import ApplicationError

from relay.agents.typed_output import AnswerCheck, AnswerVerdict, checked_answer
from relay.app import App


class AnswerActivities:
    def __init__(self, app: App) -> None:
        self._app = app

    @activity.defn(name="check_answer")
    async def check_answer(self, request: AnswerCheck) -> AnswerVerdict:
        model = self._app.output_model(request.agent)
        if model is None:
            owner = f"agent {request.agent!r}" if request.agent else "the goal"
            raise ApplicationError(
                f"{owner} of app {self._app.name!r} has no output model on this worker "
                "(was the app redeployed without it?)",
                non_retryable=True,
                type="NoOutputModel",
            )
        return checked_answer(model, request.answer)
