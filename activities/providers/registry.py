"""Which provider serves which route prefix; one instance each per worker process."""

from relay.activities.providers.anthropic_messages import AnthropicProvider
from relay.activities.providers.base import Provider
from relay.activities.providers.local import LocalProvider
from relay.activities.providers.openai_chat import OpenAIProvider
from relay.settings import Settings
from relay.testing.scripted import Brain, ScriptedProvider


def build_providers(settings: Settings, brain: Brain | None) -> dict[str, Provider]:
    """`brain`: the app's behaviour for the bare `scripted` test-double route."""
    return {
        "scripted": ScriptedProvider(brain, settings.scripted_latency_ms),
        "local": LocalProvider(settings.models_dir),
        "openai": OpenAIProvider(settings.llm_timeout_seconds),
        "anthropic": AnthropicProvider(settings.llm_timeout_seconds),
    }
