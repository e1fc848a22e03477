"""Tool definitions, the registry, the idempotency ledger and the demo shop's tools."""
