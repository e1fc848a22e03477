"""relay's modules are passed through the workflow sandbox (imported once per worker, not per
run), which is safe only while workflow code keeps no state in modules: a run must leave every
module-level container of relay exactly as it found it."""

import sys
from types import ModuleType
from typing import Any

from tests.conftest import Relay


def module_state() -> dict[str, str]:
    """The repr of every dict, list and set bound at module level in relay's modules."""
    modules: list[tuple[str, ModuleType]] = [
        (name, module) for name, module in sorted(sys.modules.items()) if name.startswith("relay")
    ]
    state: dict[str, str] = {}
    for name, module in modules:
        for attribute, value in vars(module).items():
            if isinstance(value, dict | list | set) and not attribute.startswith("__"):
                state[f"{name}.{attribute}"] = repr(value)
    return state


async def test_a_run_changes_no_module_state(relay: Relay) -> None:
    first: Any = await relay.approve_all(await relay.start())  # every module is imported now
    before = module_state()
    second = await relay.approve_all(await relay.start())
    after = module_state()

    assert first.status == second.status == "completed"
    assert len(before) > 10  # the check looked at something
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == []
