"""Every side effect lives here: LLM calls, tool calls."""
