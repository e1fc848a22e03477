"""The approval inbox reads waiting agents from visibility a page at a time (each agent's memo
holds its approvals): every approval appears once across the pages, one whose details cannot
be read is listed marked instead of dropped, and a decision from a later page lands on its own
goal. `relay serve` in its own process, a real dev server and worker."""

import asyncio
import uuid
from pathlib import Path

import httpx
from temporalio.client import WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from relay import GoalRequest, start_goal
from relay.agents.search_keys import RELAY_AGENT, RELAY_PENDING_APPROVALS
from relay.service.waiting_agents import WAITING_AGENTS
from relay.temporal.devserver import DevServer
from tests.conftest import running_relay
from tests.payments_app import PAY
from tests.payments_app import app as payments
from tests.serve_process import bearer, serve_process, served_shop

GOALS = 5
PAGE = 2


async def test_every_approval_is_listed_across_pages_and_decided_on_its_goal(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        served_shop(temporal_server, tmp_path) as (relay, url),
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        handles = []
        for _ in range(GOALS):
            handles.append(await relay.start(requested_by="ada"))
            await relay.next_pending(handles[-1])
            relay.rows("UPDATE returns SET status = 'cancelled'")  # the next goal's item again
        # An agent run of the shop's that waits, but whose approvals nobody can read now (no
        # memo, and an input no worker can run, so no query is answered).
        stuck = await relay.client.start_workflow(
            "AgentWorkflow",
            {},
            id=f"stuck-{uuid.uuid4().hex[:6]}/returns-1",
            task_queue=relay.settings.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(RELAY_PENDING_APPROVALS, 1),
                    SearchAttributePair(RELAY_AGENT, "returns"),
                ]
            ),
        )
        try:
            await _listed_at_least(http, GOALS + 1)  # visibility catches up on its own time
            ours = {h.id for h in handles} | {stuck.id.split("/")[0]}
            pages, items, cursor = 0, [], None
            while True:
                params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
                listed = await http.get("/approvals", params=params, headers=bearer("fiona"))
                assert listed.status_code == 200, listed.text
                assert int(listed.headers["X-Total-Count"]) >= GOALS + 1
                items += [i for i in listed.json() if i["goal_id"] in ours]
                pages += 1
                cursor = listed.headers.get("X-Next-Cursor")
                if cursor is None:
                    break
            assert pages >= 3
            readable = [i for i in items if i["approval"] is not None]
            assert sorted(i["goal_id"] for i in readable) == sorted(h.id for h in handles)
            assert {i["approval"]["tool"] for i in readable} == {"issue_refund"}
            [marked] = [i for i in items if i["approval"] is None]
            assert marked["agent_workflow_id"] == stuck.id
            assert "could not be read" in marked["unreadable"]

            # Filters: by agent (in the visibility query) and by tool.
            only = await http.get(
                "/approvals", params={"agent": "orders", "limit": 50}, headers=bearer("fiona")
            )
            assert [i for i in only.json() if i["goal_id"] in ours] == []
            for forged in ("%%", "bm90IGEgdG9rZW4="):
                bad = await http.get(
                    "/approvals", params={"cursor": forged}, headers=bearer("fiona")
                )
                assert bad.json() == {"error": "cursor: not a cursor this service gave"}

            # A decision from the last page lands on that goal, and only there.
            target = readable[-1]
            decided = await http.post(
                f"/approvals/{target['goal_id']}/{target['approval']['approval_id']}",
                json={"decision": "approve", "reason": "paged"},
                headers=bearer("fiona"),
            )
            assert decided.status_code == 200, decided.text
            [handle] = [h for h in handles if h.id == target["goal_id"]]
            result = await handle.result()
            assert [(a.verdict, a.approver) for a in result.approvals] == [("approved", "fiona")]
            for other in handles:
                if other.id != handle.id:
                    assert (await other.describe()).status.name == "RUNNING"  # type: ignore[union-attr]
        finally:
            for other in [*handles, stuck]:
                if (await other.describe()).status.name == "RUNNING":  # type: ignore[union-attr]
                    await other.terminate("test done")


async def _listed_at_least(http: httpx.AsyncClient, count: int) -> None:
    for _ in range(300):
        listed = await http.get("/approvals", params={"limit": 1}, headers=bearer("fiona"))
        if int(listed.headers["X-Total-Count"]) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the inbox never counted {count} waiting agents")


async def test_more_than_200_waiting_goals_are_all_in_the_inbox(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """The inbox once stopped at 200 waiting goals: now every one is there, over pages."""
    many = 210
    async with running_relay(temporal_server, tmp_path / "payments", app=payments) as relay:
        route = relay.script(PAY)
        gate = asyncio.Semaphore(30)

        async def waiting() -> WorkflowHandle:
            async with gate:
                return await start_goal(
                    relay.client,
                    GoalRequest(goal="Pay me 1", model=route),
                    f"pay-{uuid.uuid4().hex[:10]}",
                    relay.settings.task_queue,
                )

        handles = await asyncio.gather(*(waiting() for _ in range(many)))
        ours = {h.id for h in handles}
        try:
            async with (
                serve_process(relay, tmp_path / "serve.log") as url,
                httpx.AsyncClient(base_url=url, timeout=60) as http,
            ):
                for _ in range(600):  # until every goal waits (visibility counts them)
                    first = await http.get("/approvals", headers=bearer("fiona"))
                    if int(first.headers["X-Total-Count"]) >= many:
                        break
                    await asyncio.sleep(0.2)
                seen, cursor, pages = set(), None, 0
                while True:
                    params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                    page = await http.get("/approvals", params=params, headers=bearer("fiona"))
                    assert page.status_code == 200, page.text
                    seen |= {i["goal_id"] for i in page.json() if i["approval"] is not None}
                    pages += 1
                    cursor = page.headers.get("X-Next-Cursor")
                    if cursor is None:
                        break
            assert pages >= 3 and ours <= seen, len(ours - seen)
        finally:
            await asyncio.gather(*(h.terminate("test done") for h in handles))


async def test_another_apps_approvals_stay_out_of_this_apps_inbox(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """Two apps in one namespace: the shop's inbox lists the shop's approvals, never those of
    the payments app (its agents run on its own task queue)."""
    async with (
        served_shop(temporal_server, tmp_path / "shop") as (shop, url),
        running_relay(temporal_server, tmp_path / "payments", app=payments) as other,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        refund = await shop.start(requested_by="ada")
        await shop.next_pending(refund)
        payment = await start_goal(
            other.client,
            GoalRequest(goal="Pay me 1", model=other.script(PAY)),
            f"pay-{uuid.uuid4().hex[:10]}",
            other.settings.task_queue,
        )
        await other.next_pending(payment)
        try:
            for _ in range(300):  # until visibility lists both waiting agents
                counts = [
                    await shop.client.count_workflows(
                        f"{WAITING_AGENTS} AND WorkflowId STARTS_WITH '{goal.id}/'"
                    )
                    for goal in (refund, payment)
                ]
                if all(c.count == 1 for c in counts):
                    break
                await asyncio.sleep(0.1)
            listed = await http.get("/approvals", headers=bearer("fiona"))
            assert [i["goal_id"] for i in listed.json()] == [refund.id]
            assert listed.headers["X-Total-Count"] == "1"
        finally:
            await payment.terminate("test done")
            await refund.terminate("test done")
