"""The demo shop as a relay app: `relay dev --app examples.shop.app:app` (the default app)."""

from examples.shop import brain
from examples.shop.agents import ORDERS, REMEMBERING_CATALOG, RETURNS
from examples.shop.data import ShopPreferences, setup
from examples.shop.tools import SHOP
from relay import App, Database, Demo, Memory, Route

SHOWCASE_CUSTOMER = "C-1001"
SHOWCASE_GOAL = (
    "I want to return the blue shirt from my last order, but can you first "
    "recommend a similar one that comes in green?"
)

ROUTES = [
    Route(pattern=r"\b(return|refund|send back|exchange)\w*", agents=["orders", "returns"]),
    Route(
        pattern=r"\b(recommend|similar|suggest|looking for|alternative|comes in)\w*",
        agents=["catalog"],
    ),
    Route(pattern=r"\b(order|bought|purchase|deliver|shipped)\w*", agents=["orders"]),
    Route(pattern=r"\b(prefer|favou?rite|remember|tell me about|describe)\w*", agents=["catalog"]),
]

app = App(
    "shop",
    agents=[ORDERS, REMEMBERING_CATALOG, RETURNS],
    tools=SHOP,
    routes=ROUTES,
    database=Database(setup=setup),
    # Without RELAY_MODEL the shop plays its showcase on the scripted test double.
    model="scripted",
    scripted=brain.respond,
    demo=Demo(SHOWCASE_GOAL, {"customer_id": SHOWCASE_CUSTOMER}),
    # What the shop keeps about a customer across goals: their favourite colour, set by the
    # catalog agent when they say it and recalled when they name none.
    memory=Memory(scope="customer_id", preferences=ShopPreferences),
)
