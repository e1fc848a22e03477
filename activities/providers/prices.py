"""Cost of a call from a price table in USD per million tokens; unknown models cost None."""

import json
import os

from relay.agents.llm_models import Usage

# (input, output) USD per million tokens. Override or extend with RELAY_PRICES, e.g.
# RELAY_PRICES='{"openai:my-finetune": [1.0, 4.0]}'.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "anthropic:claude-sonnet-4-5": (3.00, 15.00),
    "anthropic:claude-haiku-4-5": (1.00, 5.00),
    "anthropic:claude-opus-4-1": (15.00, 75.00),
}
FREE_PROVIDERS = ("scripted", "local")


def price_table() -> dict[str, tuple[float, float]]:
    table = dict(DEFAULT_PRICES)
    override = os.environ.get("RELAY_PRICES")
    if override:
        try:
            table.update({k: (float(v[0]), float(v[1])) for k, v in json.loads(override).items()})
        except (ValueError, TypeError, IndexError, AttributeError) as err:
            raise ValueError(
                f"RELAY_PRICES is not a JSON object of [input, output]: {err}"
            ) from err
    return table


def cost_usd(route_entry: str, input_tokens: int, output_tokens: int) -> float | None:
    price = price_table().get(route_entry)
    if price is None:
        # Local and test models cost nothing unless RELAY_PRICES gives them a price.
        return 0.0 if route_entry.split(":", 1)[0] in FREE_PROVIDERS else None
    return round((input_tokens * price[0] + output_tokens * price[1]) / 1_000_000, 8)


def priced_usage(route_entry: str, input_tokens: int, output_tokens: int) -> Usage:
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        llm_calls=1,
        cost_usd=cost_usd(route_entry, input_tokens, output_tokens),
    )
