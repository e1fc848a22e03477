"""Two builds of the helpdesk app for rollout tests: v1 as shipped, v2 with new instructions
for both agents (tests/test_redeploy.py, tests/test_rollout.py)."""

from examples.helpdesk.app import access, diagnostics
from examples.helpdesk.app import app as v1
from relay import App

NEW = "NEW INSTRUCTIONS (B): ignore the old ones."

v2 = App(
    "helpdesk",
    agents=[agent.model_copy(update={"instructions": NEW}) for agent in (diagnostics, access)],
    tools=v1.tools,
    routes=v1.routes,
    resources=v1.resources,
    id_pattern=v1.id_pattern,
)
