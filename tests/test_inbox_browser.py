"""The approval inbox in a real browser: headless Chromium (Debian's), driven by Playwright.
fiona signs in to an empty inbox; a goal's refund arrives by itself; she sees the tool, its
arguments, why it needs a human and the evidence, approves a lower amount with a reason, and
the approval leaves the list, shows in the goal's audit, and the lower amount is refunded.
Screenshots go to `artifacts/`."""

from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, Playwright, async_playwright, expect
from pydantic import SecretStr

from relay.temporal.devserver import DevServer
from tests.conftest import running_relay
from tests.serve_process import SECRET, bearer, serve_process, served_shop
from tests.test_ask_human import ASKING, QUESTION, asking_goal
from tests.test_serve_api import SHOWCASE
from tests.test_web_ui_browser import ARTIFACTS, CHROMIUM_FLAGS, chromium

# Playwright drives the browser itself; these flags of the Web UI test are for one-shot runs.
ONE_SHOT = {"--headless", "--virtual-time-budget=15000"}


async def signed_in(
    playwright: Playwright, browser_path: str, url: str, token: str
) -> tuple[Browser, Page]:
    """Chromium on the inbox, signed in with `token`."""
    browser = await playwright.chromium.launch(
        executable_path=browser_path,
        args=[f for f in CHROMIUM_FLAGS if f not in ONE_SHOT],
    )
    page = await browser.new_page(viewport={"width": 1200, "height": 1100})
    await page.goto(f"{url}/inbox")
    await page.fill("#token", token)
    await page.get_by_role("button", name="Sign in").click()
    return browser, page


async def test_an_approver_decides_a_refund_in_the_inbox(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    browser_path = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    async with (
        served_shop(temporal_server, tmp_path) as (relay, url),
        httpx.AsyncClient(base_url=url, timeout=30) as http,
        async_playwright() as playwright,
    ):
        browser, page = await signed_in(playwright, browser_path, url, "fiona-token")
        await expect(page.locator("#who")).to_have_text("fiona (approver)")
        await expect(page.locator("#pending")).to_contain_text("Nothing waits for you.")

        # A goal starts elsewhere; its refund shows up without a reload.
        started = await http.post("/goals", json=SHOWCASE, headers=bearer("ada"))
        goal_id = started.json()["id"]
        card = page.locator("#pending .card")
        await expect(card).to_have_count(1, timeout=60_000)
        await expect(card).to_contain_text("issue_refund")
        await expect(card).to_contain_text("requested by ada")
        await expect(card).to_contain_text("Needs a human: amount")
        await expect(card).to_contain_text("create_return")  # evidence: what the agent saw
        await expect(card).to_contain_text("left")  # time before it expires
        await page.screenshot(path=str(ARTIFACTS / "inbox-pending.png"), full_page=True)

        await card.get_by_label("reason").fill("within policy, 40 of it")
        await card.get_by_text("Edit the arguments before approving").click()
        arguments = card.get_by_label("arguments to approve")
        await arguments.fill(
            (await arguments.input_value()).replace('"amount": 79', '"amount": 40')
        )
        await card.get_by_role("button", name="Approve").click()
        # Workers here replay every step (no cache), so a signed decision takes a while.
        await expect(page.locator("#pending .card")).to_have_count(0, timeout=90_000)
        audit = page.locator(f'#audit [data-goal="{goal_id}"]')
        await expect(audit).to_contain_text("fiona")
        await expect(audit).to_contain_text("approved issue_refund")
        await expect(audit).to_contain_text("within policy, 40 of it")
        await page.screenshot(path=str(ARTIFACTS / "inbox-decided.png"), full_page=True)
        await browser.close()

    goal = await relay.client.get_workflow_handle(goal_id).result()
    assert goal["status"] == "completed"
    assert [r["amount_cents"] for r in relay.rows("SELECT * FROM refunds")] == [4000]


async def test_the_requester_answers_an_agents_question_in_the_inbox(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    browser_path = chromium()
    async with (
        running_relay(
            temporal_server, tmp_path, app=ASKING, approval_secret=SecretStr(SECRET)
        ) as relay,
        serve_process(relay, tmp_path / "serve.log") as url,
        async_playwright() as playwright,
    ):
        browser, page = await signed_in(playwright, browser_path, url, "ada-token")
        handle = await asking_goal(relay)
        card = page.locator("#pending .card")
        await expect(card).to_have_count(1, timeout=60_000)
        await expect(card).to_contain_text("the orders agent asks you")
        await expect(card).to_contain_text(QUESTION)
        await card.get_by_label("answer").fill("the last one")
        await card.get_by_role("button", name="Answer").click()
        await expect(page.locator("#pending .card")).to_have_count(0, timeout=90_000)
        await expect(page.locator("#audit")).to_contain_text("answer: the last one")
        await browser.close()
        result = await handle.result()

    assert [(a.kind, a.answer, a.approver) for a in result.approvals] == [
        ("question", "the last one", "ada")
    ]
