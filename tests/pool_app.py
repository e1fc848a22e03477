"""The shop with its returns agent on a worker pool of its own (tests/test_pools.py)."""

from examples.shop.agents import RETURNS
from examples.shop.tools import SHOP
from tests.extra_tools import shop_with

POOL = "pool-returns"
app = shop_with(RETURNS.model_copy(update={"task_queue": POOL}), tools=SHOP)
