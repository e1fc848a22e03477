"""Which provider serves which route prefix; one instance each per worker process."""

from activities.providers.base import Provider
from activities.providers.local import LocalProvider
from activities.providers.scripted import ScriptedProvider

PROVIDERS: dict[str, Provider] = {
    "scripted": ScriptedProvider(),
    "local": LocalProvider(),
}
