"""The shop's checks for `relay eval` cases: its own database after a run."""

from relay.evals import CheckContext


def one_refund_per_return(ctx: CheckContext) -> str | None:
    """Every return has at most one refund, for no more than the return's amount."""
    assert ctx.db is not None
    rows = ctx.db.execute(
        "SELECT r.id, r.refund_cents, COUNT(f.seq) AS refunds, COALESCE(SUM(f.amount_cents), 0) "
        "AS refunded FROM returns r LEFT JOIN refunds f ON f.return_id = r.id GROUP BY r.id"
    ).fetchall()
    for row in rows:
        if row["refunds"] > 1:
            return f"return {row['id']} was refunded {row['refunds']} times"
        if row["refunded"] > row["refund_cents"]:
            return f"return {row['id']} was refunded more than its amount"
    return None


def no_refund(ctx: CheckContext) -> str | None:
    assert ctx.db is not None
    count = ctx.db.execute("SELECT COUNT(*) FROM refunds").fetchone()[0]
    return None if count == 0 else f"{count} refund(s) were issued"


def refunds_as_expected(ctx: CheckContext) -> str | None:
    """As many refunds as the case's `expected` data says (`{"refunds": N}`)."""
    assert ctx.db is not None and ctx.case.expected is not None
    count = ctx.db.execute("SELECT COUNT(*) FROM refunds").fetchone()[0]
    wanted = ctx.case.expected["refunds"]
    return None if count == wanted else f"{count} refund(s), expected {wanted}"


def memory_as_expected(ctx: CheckContext) -> str | None:
    """The customers' preferences and how many memories each has, as the case's `expected`
    says: `{"preferences": {"C-1001": {"colour": "green"}}, "memories": {"C-1001": 0}}`."""
    assert ctx.memory is not None and ctx.case.expected is not None
    for customer, wanted in ctx.case.expected.get("preferences", {}).items():
        kept = {p.key: p.value for p in ctx.memory.preferences("shop", customer)}
        if kept != wanted:
            return f"{customer}'s preferences are {kept}, expected {wanted}"
    for customer, count in ctx.case.expected.get("memories", {}).items():
        kept_count = len(ctx.memory.memories_of("shop", customer))
        if kept_count != count:
            return f"{customer} has {kept_count} memories, expected {count}"
    return None
