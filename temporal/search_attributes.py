"""Registering relay's search attributes (agents/search_keys.py) in a namespace, and the dev
server's flags for them."""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError

from relay.agents.search_keys import (
    RELAY_AGENT,
    RELAY_CHAIN,
    RELAY_COST_USD,
    RELAY_LISTENS,
    RELAY_PENDING_APPROVALS,
    RELAY_STATUS,
)

_TYPES = {
    RELAY_AGENT.name: ("Keyword", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD),
    RELAY_STATUS.name: ("Keyword", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD),
    RELAY_PENDING_APPROVALS.name: ("Int", IndexedValueType.INDEXED_VALUE_TYPE_INT),
    RELAY_COST_USD.name: ("Double", IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE),
    RELAY_LISTENS.name: ("KeywordList", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST),
    RELAY_CHAIN.name: ("Keyword", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD),
}


def dev_server_args() -> list[str]:
    """`temporal server start-dev` flags that register relay's search attributes."""
    args = []
    for name, (type_name, _) in _TYPES.items():
        args += ["--search-attribute", f"{name}={type_name}"]
    return args


async def ensure_registered(client: Client) -> str | None:
    """Register missing attributes in the client's namespace. None when all are there, else
    why not (the worker then runs without them instead of failing every workflow task)."""
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        missing = {n: t for n, (_, t) in _TYPES.items() if n not in listed.custom_attributes}
        if missing:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
            )
    except RPCError as err:
        names = ", ".join(f"{n}={t}" for n, (t, _) in _TYPES.items())
        return f"cannot register search attributes ({err.message}); register {names}"
    return None
