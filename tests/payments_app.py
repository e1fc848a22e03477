"""A one-agent app whose every goal waits for a human at once (tests/test_inbox_paging.py):
many waiting goals at little cost each."""

from relay import Agent, App, ToolContext, ToolSet

tools = ToolSet()


@tools.tool(risk="irreversible")  # a human decides every call
def send_money(amount: float, ctx: ToolContext) -> dict[str, float]:
    """Send money to the requester."""
    return {"sent": amount}


payer = Agent("payer", description="Sends money.", instructions="Send it.", tools=[send_money])
app = App("payments", agents=[payer], tools=tools)
PAY = {
    "plan": [{"content": '{"tasks": [{"id": "pay", "agent": "payer", "instruction": "Pay 1."}]}'}],
    "agents": {
        "payer": [
            {"tool_calls": [{"name": "send_money", "arguments": {"amount": 1}}]},
            {"content": "Sent 1."},
        ]
    },
    "synthesize": [{"content": "Sent 1."}],
}
