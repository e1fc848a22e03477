"""Encrypted payloads: with a key set, no canary from the goal, a tool result or an exception
message is readable in the raw history (`temporal workflow show -o json`) or the logs; through
the codec server the same history reads fine; retired keys still decrypt after a rotation."""

import asyncio
import base64
import io
import json
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload

from relay.agents.redaction import Redaction
from relay.temporal.codec import CodecKeyError, EncryptionCodec, build_codec
from relay.temporal.codec_server import codec_server
from relay.temporal.devserver import free_port, temporal_binary
from relay.temporal.logs import configure_logging
from tests.cli_runner import run_command
from tests.conftest import running_relay
from tests.extra_tools import CANARY_FAILURE, CANARY_RESULT, TEST_APP
from tests.test_agent_loop import call

CANARY_GOAL = "canary-goal-5a6e41"
UI_ORIGIN = "http://localhost:8233"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


async def show(address: str, workflow_id: str, *extra: str) -> str:
    """A history as `temporal workflow show -o json` prints it, with every base64 payload
    `data` decoded next to it: payload bytes are base64 in that JSON, so a plaintext canary
    would otherwise hide there."""
    outcome = await run_command(
        temporal_binary(),
        *("workflow", "show", "-w", workflow_id, "-o", "json", "--address", address, *extra),
    )
    assert outcome.code == 0, outcome.err
    return outcome.out + "\n".join(decoded_data(json.loads(outcome.out)))


def decoded_data(node: object) -> list[str]:
    if isinstance(node, list):
        return [text for item in node for text in decoded_data(item)]
    if not isinstance(node, dict):
        return []
    found = [text for value in node.values() for text in decoded_data(value)]
    if isinstance(node.get("data"), str):
        found.append(base64.b64decode(node["data"]).decode(errors="replace"))
    return found


async def test_no_canary_in_history_or_logs_and_the_codec_server_reads_them(
    temporal_server, tmp_path: Path
) -> None:
    key = new_key()
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(redaction=Redaction(), stream=stream, confidential=True)
    try:
        async with running_relay(
            temporal_server,
            tmp_path,
            TEST_APP,
            encryption_key=SecretStr(key),
            encryption_key_id="k1",
        ) as relay:
            script = relay.orders_script(
                [call("secret_note"), call("secret_failure"), {"content": "Done."}]
            )
            handle = await relay.start(goal=f"Find my last order. Ref {CANARY_GOAL}", model=script)
            result = await handle.result()
    finally:
        root.handlers = handlers
        root.setLevel(level)
    child = result.tasks[0].workflow_id
    # The run itself saw everything in clear.
    record = (await relay.child_result(child)).tool_calls[1]
    assert CANARY_FAILURE in record.detail

    raw = await show(temporal_server.address, handle.id) + await show(
        temporal_server.address, child
    )
    logs = stream.getvalue()
    for canary in (CANARY_GOAL, CANARY_RESULT, CANARY_FAILURE):
        assert canary not in raw, f"{canary} is readable in the raw history"
        assert canary not in logs, f"{canary} is in the worker's logs"
    assert base64.b64encode(b"binary/encrypted").decode() in raw  # the payloads' encoding

    port = free_port()
    codec = build_codec(key, "k1")
    assert codec is not None
    with codec_server(codec, port, UI_ORIGIN):
        endpoint = f"http://127.0.0.1:{port}"
        readable = await show(temporal_server.address, child, "--codec-endpoint", endpoint)
    assert CANARY_RESULT in readable and CANARY_FAILURE in readable


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def payloads_json(*payloads: Payload) -> bytes:
    return json.dumps(
        {
            "payloads": [
                {
                    "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                    "data": base64.b64encode(p.data).decode(),
                }
                for p in payloads
            ]
        }
    ).encode()


async def test_codec_server_round_trip_cors_and_token() -> None:
    codec = EncryptionCodec("k1", base64.b64decode(new_key()))
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"goal": "hello"}')
    port = free_port()
    with codec_server(codec, port, UI_ORIGIN, token="s3cret"):
        base = f"http://127.0.0.1:{port}"
        auth = {"Content-Type": "application/json", "Authorization": "Bearer s3cret"}

        def exchange(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
            return post(base + path, body, headers)

        status, headers, body = await asyncio.to_thread(
            exchange, "/encode", payloads_json(plain), auth
        )
        assert status == 200 and headers["Access-Control-Allow-Origin"] == UI_ORIGIN
        assert b"hello" not in body
        status, _, decoded = await asyncio.to_thread(exchange, "/decode", body, auth)
        assert status == 200
        assert base64.b64encode(b'{"goal": "hello"}').decode() in decoded.decode()

        # The scheme is case-insensitive (RFC 7235); the token is not.
        lower = auth | {"Authorization": "bearer s3cret"}
        status, _, _ = await asyncio.to_thread(exchange, "/decode", body, lower)
        assert status == 200
        for wrong in (
            {"Content-Type": "application/json"},
            auth | {"Authorization": "Bearer S3CRET"},
        ):
            status, _, _ = await asyncio.to_thread(exchange, "/decode", body, wrong)
            assert status == 401
        preflight = urllib.request.Request(base + "/decode", method="OPTIONS")
        with urllib.request.urlopen(preflight, timeout=10) as response:
            assert response.status == 204
            assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


async def test_retired_keys_still_decrypt_after_rotation() -> None:
    old, new = new_key(), new_key()
    before = build_codec(old, "2026-10")
    assert before is not None
    [sealed] = await before.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"42")])

    after = build_codec(new, "2026-11", f"2026-10:{old}")
    assert after is not None
    [opened] = await after.decode([sealed])
    assert opened.data == b"42"
    [resealed] = await after.encode([opened])
    assert resealed.metadata["encryption-key-id"] == b"2026-11"

    forgetful = build_codec(new, "2026-11")
    assert forgetful is not None
    with pytest.raises(CodecKeyError, match=r"no key '2026-10'.*RELAY_DECRYPTION_KEYS"):
        await forgetful.decode([sealed])
    with pytest.raises(CodecKeyError, match="must be 32 bytes"):
        build_codec(base64.b64encode(b"short").decode(), "k")
