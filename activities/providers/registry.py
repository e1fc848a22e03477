"""Which provider serves which route prefix; one instance each per worker process."""

from activities.providers.anthropic_messages import AnthropicProvider
from activities.providers.base import Provider
from activities.providers.local import LocalProvider
from activities.providers.openai_chat import OpenAIProvider
from activities.providers.scripted import ScriptedProvider
from settings import Settings


def build_providers(settings: Settings) -> dict[str, Provider]:
    return {
        "scripted": ScriptedProvider(),
        "local": LocalProvider(),
        "openai": OpenAIProvider(settings.llm_timeout_seconds),
        "anthropic": AnthropicProvider(settings.llm_timeout_seconds),
    }
