"""Writes the golden evaluation sets of the two example apps: `python -m examples.golden_cases`
regenerates examples/shop/evals.jsonl and examples/helpdesk/evals.jsonl (`make eval` runs them).

Every case carries a `scripted` model (plan, each agent's replies, the synthesis), so the set
runs offline and proves the harness and relay's own behaviour (tools, guards, policies,
approvals, tainted context, grounding), not a model. Families: normal paths, policy edges,
ownership, ambiguous goals, injections through a tool's output and through the goal, goals
that must be refused, multi-agent goals with dependencies, and memory (cases with earlier
goals: `before`).
"""

import json
from pathlib import Path

from examples.eval_cases import Case
from examples.helpdesk.golden import (
    helpdesk_access,
    helpdesk_more_paths,
    helpdesk_multi_agent,
    helpdesk_services,
)
from examples.shop.golden_edges import (
    shop_ambiguous,
    shop_grounding,
    shop_injections,
    shop_ownership,
    shop_policy_edges,
)
from examples.shop.golden_memory import shop_memory
from examples.shop.golden_more import shop_more_paths
from examples.shop.golden_paths import shop_catalog, shop_lookups, shop_multi_agent, shop_returns

HERE = Path(__file__).parent


def golden_sets() -> dict[str, list[Case]]:
    """Cases by the app folder they belong to."""
    return {
        "shop": shop_lookups()
        + shop_catalog()
        + shop_returns()
        + shop_policy_edges()
        + shop_ownership()
        + shop_ambiguous()
        + shop_injections()
        + shop_multi_agent()
        + shop_grounding()
        + shop_more_paths()
        + shop_memory(),
        "helpdesk": helpdesk_services()
        + helpdesk_access()
        + helpdesk_multi_agent()
        + helpdesk_more_paths(),
    }


def as_jsonl(cases: list[Case]) -> str:
    return "".join(json.dumps(c) + "\n" for c in cases)


def main() -> None:
    for app, cases in golden_sets().items():
        path = HERE / app / "evals.jsonl"
        path.write_text(as_jsonl(cases))
        print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    main()
