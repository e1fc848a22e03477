"""Which secret each provider needs. Secrets are read from the worker's environment only."""

import os
from collections.abc import Mapping

from temporalio.exceptions import ApplicationError

from relay.activities.providers.base import split_route_entry
from relay.activities.providers.error_types import MISSING_CREDENTIALS

REQUIRED_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def missing_credentials(route: str, env: Mapping[str, str] = os.environ) -> list[str]:
    """The unset variables a route needs, in route order, without duplicates."""
    missing: list[str] = []
    for entry in route.split(","):
        variable = REQUIRED_KEYS.get(split_route_entry(entry)[0])
        if variable and not env.get(variable) and variable not in missing:
            missing.append(variable)
    return missing


def require_key(provider: str) -> str:
    """The provider's key from the worker's environment, or a non-retryable error naming it."""
    variable = REQUIRED_KEYS[provider]
    key = os.environ.get(variable)
    if not key:
        raise ApplicationError(
            f"{variable} is not set on the worker", non_retryable=True, type=MISSING_CREDENTIALS
        )
    return key
