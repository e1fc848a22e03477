"""An app whose data and ledger live in PostgreSQL (tests/test_postgres_ledger.py): one agent
pays invoices, and each payment commits with its ledger row in one transaction."""

from typing import Any

from pydantic import BaseModel, Field

from relay import Agent, App, Approval, Database, ToolContext, ToolSet

BILLING = ToolSet()


class Payment(BaseModel):
    invoice_id: str = Field(pattern=r"^INV-\d+$")
    amount: float = Field(gt=0, le=10_000)


# A short timeout: the test's killed worker never reports, and the retry waits this long.
@BILLING.tool(args=Payment, risk="write", approval=Approval.never(), timeout_seconds=4)
def pay_invoice(args: Payment, ctx: ToolContext) -> dict[str, Any]:
    """Pay an invoice."""
    ctx.db.execute(
        "INSERT INTO payments (invoice_id, amount, idempotency_key) VALUES (%s, %s, %s)",
        (args.invoice_id, args.amount, ctx.idempotency_key),
    )
    return {"invoice_id": args.invoice_id, "paid": args.amount}


def setup(db: Any) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS payments (id SERIAL PRIMARY KEY, invoice_id TEXT NOT NULL, "
        "amount NUMERIC NOT NULL, idempotency_key TEXT NOT NULL)"
    )


billing = Agent(
    "billing",
    description="Pays invoices.",
    instructions="You pay the invoices the goal names, once each.",
    tools=[pay_invoice],
)

app = App(
    "billing",
    agents=[billing],
    tools=BILLING,
    database=Database(setup=setup, engine="postgresql"),
    id_pattern=r"\bINV-\d+\b",
)
