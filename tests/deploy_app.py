"""Two builds of the helpdesk app for rollout tests: v1 as shipped, v2 with new instructions
for both agents, and a scripted goal that spans a redeploy (tests/test_redeploy.py,
tests/test_rollout.py)."""

from examples.helpdesk.app import access, diagnostics
from examples.helpdesk.app import app as v1
from relay import App

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
