"""relay's search attributes: what a person filters runs by in the Web UI ("waiting for
approval", "by agent", "by cost"). Values are stored in plaintext: never put secrets here.
Pure definitions: workflows set them, clients query them (temporal/search_attributes.py
registers them)."""

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

RELAY_AGENT = SearchAttributeKey.for_keyword("RelayAgent")  # supervisor, orders, returns, ...
RELAY_STATUS = SearchAttributeKey.for_keyword("RelayStatus")
RELAY_PENDING_APPROVALS = SearchAttributeKey.for_int("RelayPendingApprovals")
RELAY_COST_USD = SearchAttributeKey.for_float("RelayCostUsd")
# A running SubscriptionWorkflow's event types: who listens to what, across apps and workers.
RELAY_LISTENS = SearchAttributeKey.for_keyword_list("RelayListens")
# The chain of events a run belongs to (the id of its first event): events and their goals.
RELAY_CHAIN = SearchAttributeKey.for_keyword("RelayChain")


def chain_attribute(chain: str) -> TypedSearchAttributes:
    """What a goal reacting to an event starts with: its chain, searchable."""
    return TypedSearchAttributes([SearchAttributePair(RELAY_CHAIN, chain)])
