"""The shapes only relay's own workflows and activities exchange, never a client: an agent's
task and result, a run's configuration, model requests and answers, tool calls, an agent's
notices to its supervisor. Their payloads travel compressed once they are large
(temporal/compression.py); the shapes a client sends or reads (GoalRequest, GoalResult,
decisions, queries, events) stay plain JSON for any SDK, the Temporal CLI and the Web UI."""

from pydantic import BaseModel


class InternalModel(BaseModel):
    """A boundary model no client sends or reads."""
