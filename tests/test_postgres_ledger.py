"""Exactly once across hosts: the ledger in PostgreSQL (a real server, tests/postgres_server.py).

Two worker processes with separate data folders (two hosts: nothing shared but Temporal and
PostgreSQL) serve an app whose payments live in the same PostgreSQL database as the ledger.
The first is SIGKILLed right after a payment and its ledger row commit; the retry lands on the
second, which finds the row instead of paying again.
"""

import json
import signal
import threading
from pathlib import Path

import psycopg
import pytest

from relay.app import AppError
from relay.settings import Settings
from relay.temporal.devserver import DevServer
from relay.tools.runtime import AppRuntime
from tests.conftest import Relay
from tests.pg_app import app as billing_app
from tests.postgres_server import new_database
from tests.worker_process import relay_for_worker_processes, worker_process

APP = "tests.pg_app:app"
PLAN = {"content": '{"tasks": [{"id": "b", "agent": "billing", "instruction": "Pay INV-1001."}]}'}
PAY = {
    "tool_calls": [{"name": "pay_invoice", "arguments": {"invoice_id": "INV-1001", "amount": 120}}]
}


def rows(url: str, sql: str) -> list[dict]:
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as db:
        return db.execute(sql).fetchall()


async def test_a_retry_on_another_host_finds_the_ledger_row(
    postgres: str, temporal_server: DevServer, tmp_path: Path
) -> None:
    url = new_database(postgres)
    relay: Relay = await relay_for_worker_processes(temporal_server, tmp_path)
    script = relay.script(
        {
            "plan": [PLAN],
            "agents": {"billing": [PAY, {"content": "Paid INV-1001."}]},
            "synthesize": [{"content": "Invoice INV-1001 is paid."}],
        }
    )

    def host(name: str) -> dict[str, str]:
        return {"RELAY_DB": url, "RELAY_STORE": url, "RELAY_DATA_DIR": str(tmp_path / name)}

    log = tmp_path / "workers.log"
    doomed_env = host("host-a") | {"RELAY_FAULT": "tool-committed:pay_invoice"}
    async with worker_process(relay.settings, log, "--app", APP, **doomed_env) as doomed:
        handle = await relay.start(goal="Pay invoice INV-1001", customer=None, model=script)
        assert await doomed.wait() == -signal.SIGKILL, log.read_text()

    # The payment committed and its worker died before telling Temporal.
    assert len(rows(url, "SELECT * FROM payments")) == 1
    async with worker_process(relay.settings, log, "--app", APP, **host("host-b")):
        result = await handle.result()

    assert result.status == "completed", result.answer
    assert len(rows(url, "SELECT * FROM payments")) == 1
    [ledger] = rows(url, "SELECT * FROM tool_ledger")
    assert ledger["tool"] == "pay_invoice"
    [payment] = [
        run
        for run in await relay.activity_runs(result.tasks[0].workflow_id, "tool")
        if run.input["tool"] == "pay_invoice" and not run.input["check_only"]
    ]
    assert payment.attempt == 2 and payment.result["replayed"] is True
    assert payment.result["data"] == json.loads(ledger["result"])["data"]
    # Neither host kept a ledger of its own.
    assert not (tmp_path / "host-a" / "relay.db").exists()
    assert not (tmp_path / "host-b" / "relay.db").exists()


def test_concurrent_calls_with_one_key_act_once(postgres: str, tmp_path: Path) -> None:
    """Two hosts run the same call at the same moment (a retry while the first attempt still
    runs): the advisory lock makes the second wait and find the first one's row."""
    url = new_database(postgres)
    runtimes = [
        AppRuntime(billing_app, Settings(data_dir=tmp_path / h, db_url=url, store_url=url))
        for h in ("a", "b")
    ]
    tool = billing_app.tools.get("pay_invoice")
    assert tool is not None
    start = threading.Barrier(len(runtimes))
    observations = []

    def call(runtime: AppRuntime) -> None:
        start.wait()
        observations.append(
            runtime.execute(
                tool,
                {"invoice_id": "INV-7", "amount": 5},
                key="wf-1/activity-3",
                context={},
                requested_by=None,
                heartbeat=lambda *_: None,
            )
        )

    threads = [threading.Thread(target=call, args=(r,)) for r in runtimes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(rows(url, "SELECT * FROM payments")) == 1
    assert sorted(o.replayed for o in observations) == [False, True]
    assert all(o.ok and o.data == {"invoice_id": "INV-7", "paid": 5.0} for o in observations)


def test_an_app_on_postgresql_refuses_a_sqlite_path(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(
        AppError, match="keeps its data in postgresql, but RELAY_DB is a SQLite path"
    ):
        AppRuntime(billing_app, settings)


def test_an_unreachable_store_is_one_line(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, store_url="postgresql://nobody:secret@127.0.0.1:1/x")
    with pytest.raises(Exception, match=r"^PostgreSQL store unreachable: ") as err:
        AppRuntime(billing_app, settings)
    assert "\n" not in str(err.value) and "secret" not in str(err.value)
