"""The HTTP API through a real HTTP client: `relay serve` in its own process, a real dev server
and worker. Start (and a retried start), progress over SSE with a reconnect, the pending refund
listed for who may decide it, refusals (401, 403, the requester herself), an approval, the
result, and the audit naming the signed-in approver."""

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from examples.shop.app import SHOWCASE_CUSTOMER, SHOWCASE_GOAL
from relay.temporal.devserver import DevServer
from tests.serve_process import bearer, served_shop

SHOWCASE = {
    "goal": SHOWCASE_GOAL,
    "context": {"customer_id": SHOWCASE_CUSTOMER},
    "model": "scripted",
}


Event = tuple[int, str, dict]


async def sse(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], stop: Callable[[Event], bool]
) -> list[Event]:
    """(id, event, data) of a goal's event stream, until `stop` says so (or the stream ends)."""
    seen = []
    async with http.stream("GET", url, headers=headers, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line:
                key, _, value = line.partition(": ")
                fields[key] = value
                continue
            seen.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
            if stop(seen[-1]):
                break
            fields = {}
    return seen


async def test_start_follow_approve_and_audit_over_http(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        served_shop(temporal_server, tmp_path) as (relay, url),
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        # Not signed in, or an unknown token: 401 and one line of JSON.
        refused = await http.post("/goals", json=SHOWCASE)
        assert refused.status_code == 401 and refused.json() == {
            "error": "sign in: send 'Authorization: Bearer TOKEN'"
        }
        unknown = await http.get("/approvals", headers={"Authorization": "Bearer nope"})
        assert unknown.status_code == 401 and unknown.json() == {"error": "unknown token"}
        # Bad input: one line naming the field; an oversized body is refused unread.
        bad = await http.post("/goals", json={"goal": ""}, headers=bearer("ada"))
        assert bad.status_code == 422 and bad.json()["error"].startswith("goal: ")
        huge = await http.post("/goals", content=b"x" * 70_000, headers=bearer("ada"))
        assert huge.status_code == 413
        assert (
            await http.post("/goals", json=SHOWCASE, headers=bearer("fiona"))
        ).status_code == 403

        # Start, and a retried start with the same key: one goal.
        key = {**bearer("ada"), "Idempotency-Key": "order-5002-refund"}
        started = await http.post("/goals", json=SHOWCASE, headers=key)
        assert started.status_code == 201 and started.json()["created"] is True
        goal_id = started.json()["id"]
        again = await http.post("/goals", json=SHOWCASE, headers=key)
        assert again.status_code == 200 and again.json() == {"id": goal_id, "created": False}
        listed = [w async for w in relay.client.list_workflows(f"WorkflowId = '{goal_id}'")]
        assert len(listed) == 1

        # Progress over SSE until the refund waits for a human.
        events = f"/goals/{goal_id}/events"
        first = await sse(http, events, bearer("ada"), lambda e: e[2].get("pending_approvals") == 1)
        assert first[0][1] == "started"
        assert any(e == "agent_started" for _, e, _ in first)

        # The inbox: fiona sees the refund; mallory (not in the policy) and bob (no role) do not.
        inbox = (await http.get("/approvals", headers=bearer("fiona"))).json()
        [item] = [i for i in inbox if i["goal_id"] == goal_id]
        pending = item["approval"]
        assert pending["tool"] == "issue_refund" and pending["requested_by"] == "ada"
        assert "amount" in pending["reason"] and pending["expires_at"]
        assert [e["tool"] for e in item["evidence"]][:2] == [
            "check_return_eligibility",
            "create_return",
        ]
        assert all(
            i["goal_id"] != goal_id
            for i in (await http.get("/approvals", headers=bearer("mallory"))).json()
        )
        assert (await http.get("/approvals", headers=bearer("bob"))).json() == []  # no questions

        decision = f"/approvals/{goal_id}/{pending['approval_id']}"
        body = {"decision": "approve", "reason": "looks fine"}
        mallory = await http.post(decision, json=body, headers=bearer("mallory"))
        assert mallory.status_code == 403 and "mallory is not allowed" in mallory.json()["error"]
        ada = await http.post(decision, json=body, headers=bearer("ada"))
        assert ada.status_code == 403
        assert (
            ada.json()["error"]
            == "ada requested this goal and cannot decide their own issue_refund"
        )
        # A typed approver field changes nothing: the approver is who signed in.
        fiona = await http.post(
            decision,
            json={**body, "approver": "ceo", "reason": "within policy"},
            headers=bearer("fiona"),
        )
        assert fiona.status_code == 200, fiona.text
        assert fiona.json()["verdict"] == "approved" and fiona.json()["approver"] == "fiona"

        # Reconnect after the last event seen: the rest, no gaps, no duplicates.
        rest = await sse(
            http,
            events,
            {**bearer("ada"), "Last-Event-ID": str(first[-1][0])},
            lambda e: e[1] == "ended",
        )
        assert rest[-1][1:] == (
            "ended",
            {"goal_id": goal_id, "status": "completed", "execution": "completed"},
        )
        whole = await sse(http, events, bearer("fiona"), lambda e: e[1] == "ended")
        assert [e[0] for e in first + rest] == [e[0] for e in whole]

        goal = (await http.get(f"/goals/{goal_id}", headers=bearer("bob"))).json()
        assert goal["status"] == "completed" and goal["result"]["status"] == "completed"
        audit = (await http.get(f"/goals/{goal_id}/audit", headers=bearer("ada"))).json()
        accepted = [a for a in audit if a["accepted"]]
        assert [(a["approver"], a["verdict"], a["reason"], a["signed"]) for a in accepted] == [
            ("fiona", "approved", "within policy", True)
        ]
        assert len(relay.rows("SELECT * FROM refunds")) == 1
        # The OpenAPI description lists the API.
        paths = (await http.get("/openapi.json")).json()["paths"]
        assert {"/goals", "/goals/{goal_id}/events", "/approvals/{goal_id}/{approval_id}"} <= set(
            paths
        )


async def test_only_the_requester_or_an_admin_cancels_a_goal(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with (
        served_shop(temporal_server, tmp_path) as (relay, url),
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        started = await http.post(
            "/goals", json={**SHOWCASE, "id": "cancel-me-1"}, headers=bearer("bob")
        )
        assert started.status_code == 201 and started.json()["id"] == "cancel-me-1"
        # A client-chosen id already taken by someone else's goal: refused, not shared.
        taken = await http.post(
            "/goals", json={**SHOWCASE, "id": "cancel-me-1"}, headers=bearer("ada")
        )
        assert taken.status_code == 409 and taken.json() == {
            "error": "goal id 'cancel-me-1' is taken"
        }
        await sse(
            http,
            "/goals/cancel-me-1/events",
            bearer("bob"),
            lambda e: e[2].get("pending_approvals") == 1,
        )
        refused = await http.post("/goals/cancel-me-1/cancel", headers=bearer("ada"))
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "ada may not cancel goal 'cancel-me-1': not its requester"
        }
        cancelled = await http.post("/goals/cancel-me-1/cancel", headers=bearer("bob"))
        assert cancelled.status_code == 202
        ended = await sse(
            http, "/goals/cancel-me-1/events", bearer("bob"), lambda e: e[1] == "ended"
        )
        assert ended[-1][2]["status"] == "cancelled"
        assert (await http.get("/goals/nope", headers=bearer("bob"))).json() == {
            "error": "no goal 'nope'"
        }

    # The open return was undone when the goal was cancelled; nothing was refunded.
    assert relay.rows("SELECT status FROM returns") == [{"status": "cancelled"}]
    assert relay.rows("SELECT * FROM refunds") == []


async def test_sse_ends_with_relays_status_not_temporals(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    """A rejected refund: Temporal's run completed, relay's goal is `rejected`, and the
    events say both, for the goal and for the agent whose call was rejected."""
    async with (
        served_shop(temporal_server, tmp_path) as (_relay, url),
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        started = await http.post("/goals", json=SHOWCASE, headers=bearer("ada"))
        goal_id = started.json()["id"]
        events = f"/goals/{goal_id}/events"
        await sse(http, events, bearer("ada"), lambda e: e[2].get("pending_approvals") == 1)
        inbox = (await http.get("/approvals", headers=bearer("fiona"))).json()
        [item] = [i for i in inbox if i["goal_id"] == goal_id]
        decision = f"/approvals/{goal_id}/{item['approval']['approval_id']}"
        # Edits come only with an approval, and only those the tool's checks accept.
        edited_rejection = {"decision": "reject", "edit": {"amount": 1}}
        refused = await http.post(decision, json=edited_rejection, headers=bearer("fiona"))
        assert refused.status_code == 422 and "only an approval can edit" in refused.text
        negative = {"decision": "approve", "edit": {"amount": -1}}
        refused = await http.post(decision, json=negative, headers=bearer("fiona"))
        assert refused.status_code == 409
        assert "edited arguments for issue_refund: amount:" in refused.json()["error"]
        rejected = await http.post(
            decision, json={"decision": "reject", "reason": "no"}, headers=bearer("fiona")
        )
        assert rejected.status_code == 200, rejected.text
        seen = await sse(http, events, bearer("ada"), lambda e: e[1] == "ended")
    ends = {data["workflow_id"]: data for _, name, data in seen if name == "agent_ended"}
    assert ends[f"{goal_id}/returns-1"]["status"] == "rejected"
    assert ends[f"{goal_id}/returns-1"]["execution"] == "completed"
    assert seen[-1][2] == {"goal_id": goal_id, "status": "rejected", "execution": "completed"}
