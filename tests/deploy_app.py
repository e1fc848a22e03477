"""Builds of the helpdesk app for rollout tests: v1 as shipped, v2 with new instructions for
both agents, v3 with a tool described otherwise, and a scripted goal that spans a redeploy
(tests/test_redeploy.py, tests/test_rollout.py)."""

import dataclasses

from examples.helpdesk.app import access, diagnostics
from examples.helpdesk.app import app as v1
from relay import App, ToolSet

NEW = "NEW INSTRUCTIONS (B): ignore the old ones."
# A goal for both agents; the diagnostics task starts only after the (approved) reset.
UNLOCK_THEN_VPN = {
    "plan": [
        {
            "content": '{"tasks": ['
            '{"id": "unlock", "agent": "access", "instruction": "Unlock U-1001."}, '
            '{"id": "vpn", "agent": "diagnostics", "instruction": "Check the VPN.", '
            '"depends_on": ["unlock"]}]}'
        }
    ],
    "agents": {
        "access": [
            {"tool_calls": [{"name": "reset_password", "arguments": {"user_id": "U-1001"}}]},
            {"content": "Reset."},
        ],
        "diagnostics": [
            {"tool_calls": [{"name": "check_service_status", "arguments": {"service": "vpn"}}]},
            {"content": "VPN."},
        ],
    },
    "synthesize": [{"content": "Done."}],
}

v2 = App(
    "helpdesk",
    agents=[agent.model_copy(update={"instructions": NEW}) for agent in (diagnostics, access)],
    tools=v1.tools,
    routes=v1.routes,
    resources=v1.resources,
    id_pattern=v1.id_pattern,
)


def _described_otherwise() -> App:
    """v1 with one tool documented differently: a redeploy that changes what the model sees."""
    tools = ToolSet(v1.tools)
    status = v1.tools.get("check_service_status")
    assert status is not None
    # ToolSet has no way to replace a tool (an app defines each once); a redeploy's copy does.
    tools._tools[status.name] = dataclasses.replace(status, description=NEW_DESCRIPTION)
    return App(
        "helpdesk",
        agents=[diagnostics, access],
        tools=tools,
        routes=v1.routes,
        resources=v1.resources,
        id_pattern=v1.id_pattern,
    )


NEW_DESCRIPTION = "NEW DESCRIPTION (B) of the service status tool."
v3 = _described_otherwise()
