"""`make bench-memory`: long-term memory's recall on both backends.

300 memories over 20 subjects (15 each, from templates with one fact apiece), then 50 queries,
each for one subject's one fact in the words a model would use: prints hit@1/3/5 (the fact is
among the first k found for its subject, never another subject's) and the latency of a recall
(p50, p95) for SQLite FTS5 and PostgreSQL full-text search, for queries that share the fact's
key word and for paraphrases that share none (what full-text search cannot find: the case
for Memory(embed=...)) (a throwaway server from Debian's
`postgresql`; skipped without it). Then how much a recall adds to a run's history as the
number of memories it returns grows: bounded by RECALL_MAX memories of MEMORY_MAX_CHARS each.
The load average is printed with the numbers."""

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from relay.agents.memory import MEMORY_MAX_CHARS, RECALL_MAX, MemoryRecord, memory_view
from relay.agents.tool_models import ToolObservation
from relay.tools.memory_store import MemoryStore
from relay.tools.stores import open_store
from tests.postgres_server import new_database, postgres_bin, postgres_server

SUBJECTS = 20
# (fact template, a query sharing its key word as a model's search would, a paraphrase sharing
# no word with it, values).
FACTS = [
    ("prefers {} shirts", "which shirt colour", "favourite hue", ["green", "navy", "red"]),
    ("ships to {}", "where do we ship orders", "delivery city", ["Berlin", "Lyon", "Porto"]),
    ("wears size {}", "what size do they wear", "clothing measurements", ["S", "M", "L"]),
    ("allergic to {}", "allergic to what", "materials to avoid", ["wool", "latex", "nickel"]),
    ("refunds go to {}", "where should refunds go", "money back method", ["card", "bank"]),
    ("birthday in {}", "when is their birthday", "date of birth", ["May", "June", "March"]),
    ("speaks {}", "which language do they speak", "mother tongue", ["German", "French"]),
    ("works as a {}", "what do they work as", "job title", ["nurse", "pilot", "teacher"]),
    ("owns a {} dog", "what dog", "pet animal", ["small", "large", "old"]),
    ("likes {} fabric", "which fabric", "favourite material", ["linen", "cotton", "silk"]),
    ("returns often because of {}", "why returns", "reason for sending back", ["fit", "dye"]),
    ("pays in {}", "pays in which currency", "money used", ["EUR", "NOK", "GBP"]),
    ("subscribed to {} newsletter", "newsletter", "mailing list", ["weekly", "sale"]),
    ("delivery after {}", "when delivery", "drop-off time", ["6pm", "noon", "9am"]),
    ("gift wraps for {}", "gift wrap for whom", "presents for", ["mother", "partner"]),
]
QUERIES = 50


def seeded(memories: MemoryStore, rng: random.Random) -> dict[tuple[str, int], str]:
    """Every subject's 15 facts; which memory id holds each (subject, fact)."""
    ids = {}
    for s in range(SUBJECTS):
        subject = f"C-{2000 + s}"
        for f, (fact, _, _, values) in enumerate(FACTS):
            memory_id = f"{subject}-{f}"
            text = fact.format(rng.choice(values))
            when = f"2026-12-01T00:{f:02d}:00"
            memories.add(
                MemoryRecord(
                    id=memory_id, app="bench", subject=subject, text=text, goal_id="g",
                    agent="a", source=memory_id, created_at=when,
                )
            )  # fmt: skip
            ids[(subject, f)] = memory_id
    return ids


def measure(name: str, memories: MemoryStore) -> list[str]:
    """One row per kind of query: sharing the fact's key word, and a paraphrase."""
    rng = random.Random(7)
    memories.create_schema()
    ids = seeded(memories, rng)
    asked = [
        (f"C-{2000 + rng.randrange(SUBJECTS)}", rng.randrange(len(FACTS))) for _ in range(QUERIES)
    ]
    rows = []
    for kind, column in (("key word", 1), ("paraphrase", 2)):
        hits = {1: 0, 3: 0, 5: 0}
        latencies = []
        for subject, fact in asked:
            started = time.perf_counter()
            found = memories.search("bench", subject, FACTS[fact][column], 5)
            latencies.append((time.perf_counter() - started) * 1000)
            assert all(m.subject == subject for m in found)  # never another subject's
            ranked = [m.id for m in found]
            for k in hits:
                hits[k] += ids[(subject, fact)] in ranked[:k]
        p95 = statistics.quantiles(latencies, n=20)[-1]
        rows.append(
            f"| {name} | {kind} | {hits[1] / QUERIES:.2f} | {hits[3] / QUERIES:.2f} | "
            f"{hits[5] / QUERIES:.2f} | {statistics.median(latencies):.2f} | {p95:.2f} |"
        )
    return rows


def history_growth() -> list[str]:
    """The bytes a recall's result adds to history, by the number of memories it returns."""
    longest = MemoryRecord(
        id="x" * 24, app="bench", subject="C-1", text="m" * MEMORY_MAX_CHARS, goal_id="g" * 40,
        agent="concierge", source="k", created_at="2026-12-01T00:00:00+00:00", untrusted=True,
    )  # fmt: skip
    rows = []
    for count in (0, 1, 3, 5, RECALL_MAX):
        data = {"memories": [memory_view(longest)] * count}
        size = len(ToolObservation(tool="recall", ok=True, data=data).model_dump_json())
        rows.append(f"| {count} | {size / 1024:.1f} |")
    return rows


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    print(f"{SUBJECTS * len(FACTS)} memories, {SUBJECTS} subjects, {QUERIES} queries")
    print("| backend | query | hit@1 | hit@3 | hit@5 | recall p50 ms | recall p95 ms |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(measure("SQLite FTS5", MemoryStore(open_store(tmp / "relay.db")))))
    bin_dir = postgres_bin()
    if bin_dir is None:
        print("| PostgreSQL | skipped: not installed (apt-get install postgresql) | | | | | |")
    else:
        with postgres_server(bin_dir) as server:
            store = MemoryStore(open_store(new_database(server)))
            print("\n".join(measure("PostgreSQL", store)))
    print("\n| memories recalled | history added, KiB (longest memories) |")
    print("|---|---|")
    print("\n".join(history_growth()))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nload average {load}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
