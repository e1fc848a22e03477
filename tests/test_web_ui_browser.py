"""A real browser check: headless Chromium (Debian's `chromium`) opens the Temporal Web UI page
of a finished showcase run; the page shows the goal summary. The screenshot is kept in
`artifacts/` for a person to look at."""

import asyncio
import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from examples.shop.app import SHOWCASE_GOAL
from relay.temporal.devserver import DevServer, free_port
from tests.conftest import running_relay

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine's network is closed: background fetches would only fail noisily.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
    # Let the single-page app fetch the run and render before the page is read.
    "--virtual-time-budget=15000",
]


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def browse(url: str, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *action, url],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


async def test_the_web_ui_page_of_a_run_shows_its_goal(tmp_path: Path) -> None:
    ui_port = free_port()
    server = DevServer(
        db_file=tmp_path / "temporal.db",
        port=free_port(),
        ui_port=ui_port,
        log_file=tmp_path / "server.log",
    ).start()
    try:
        async with running_relay(server, tmp_path) as relay:
            handle = await relay.start()
            result = await relay.approve_all(handle)
            assert result.status == "completed"
            run_id = (await handle.describe()).run_id
            url = f"http://127.0.0.1:{ui_port}/namespaces/default/workflows/{handle.id}"
            page = (await asyncio.to_thread(browse, url, tmp_path / "chrome", "--dump-dom")).stdout
            ARTIFACTS.mkdir(exist_ok=True)
            screenshot = ARTIFACTS / "web-ui-showcase.png"
            await asyncio.to_thread(browse, url, tmp_path / "chrome", f"--screenshot={screenshot}")
            # The User Metadata tab asks a worker for the current details: browse while one runs.
            details_url = f"{url}/{run_id}/user-metadata"
            details = ARTIFACTS / "web-ui-current-details.png"
            metadata = (
                await asyncio.to_thread(browse, details_url, tmp_path / "chrome", "--dump-dom")
            ).stdout
            await asyncio.to_thread(
                browse, details_url, tmp_path / "chrome", f"--screenshot={details}"
            )
    finally:
        server.stop()

    assert handle.id in page
    assert SHOWCASE_GOAL in page  # the run's static summary
    # The supervisor's current details read well as the UI renders them: a line per task,
    # costs that the UI's markdown does not take for math.
    # The UI renders each markdown field in an iframe whose URL carries the text.
    rendered = [
        unquote(html.unescape(src))
        for src in re.findall(r'src="/render\?content=([^"&]*)', metadata)
    ]
    current = next(text for text in rendered if text.startswith("**Tasks**"))
    assert "\norders · orders · completed · 0.0000 USD\n" in current
    assert "$" not in current  # the UI's markdown would take $...$ for math
    assert details.stat().st_size > 10_000
    assert screenshot.stat().st_size > 10_000
