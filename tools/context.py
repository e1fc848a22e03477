"""What a tool handler is given besides its arguments."""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class ToolContext:
    db: sqlite3.Connection  # inside the transaction that also writes the ledger entry
    customer_id: str | None
    heartbeat: Callable[..., None]
