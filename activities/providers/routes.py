"""Checking a model route before anything starts: every entry must name a provider this
version of relay has, with what that provider needs. Pure, and light to import (no SDKs)."""

from relay.activities.providers.base import split_route_entry

PROVIDERS = ("openai", "anthropic", "local", "scripted")
LOCAL_MODELS = {"smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf"}


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
