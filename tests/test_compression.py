"""Compressed payloads (RELAY_COMPRESS_PAYLOADS=1): large payloads go to Temporal as zlib, with
encryption after compression when both are on; a goal runs and replays as before, and the
codec server gives the Web UI the plain payloads back."""

import base64
import json
import os
from pathlib import Path

from temporalio.api.common.v1 import Payload

from relay.client.replay import replay_history
from relay.temporal.codec import build_codec
from relay.temporal.codec_server import codec_server
from relay.temporal.compression import CodecChain, CompressionCodec
from relay.temporal.devserver import DevServer, free_port
from tests.conftest import running_relay
from tests.test_encryption import UI_ORIGIN, payloads_json, post

BIG = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(["row"] * 500).encode())
SMALL = Payload(metadata={"encoding": b"json/plain"}, data=b'"ok"')


async def test_large_payloads_compress_small_ones_stay_and_both_come_back() -> None:
    codec = CompressionCodec()
    big, small = await codec.encode([BIG, SMALL])
    assert big.metadata["encoding"] == b"binary/zlib" and len(big.data) < len(BIG.data) / 10
    assert small == SMALL
    assert await codec.decode([big, small]) == [BIG, SMALL]
    # Encrypted after compressing: the ciphertext holds the compressed payload.
    encryption = build_codec(base64.b64encode(os.urandom(32)).decode(), "k1")
    assert encryption is not None
    chain = CodecChain([codec, encryption])
    [sealed] = await chain.encode([BIG])
    assert sealed.metadata["encoding"] == b"binary/encrypted" and len(sealed.data) < 200
    assert (await encryption.decode([sealed]))[0].metadata["encoding"] == b"binary/zlib"
    assert await chain.decode([sealed]) == [BIG]


async def test_a_goal_runs_compressed_and_the_codec_server_decodes_it(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path, compress_payloads=True) as relay:
        handle = await relay.start(model="scripted")
        result = await relay.approve_all(handle)
        history = await handle.fetch_history()
        verdict = await replay_history(history, converter=relay.settings.converter())

    assert result.status == "completed" and verdict is None
    scheduled = [
        e.activity_task_scheduled_event_attributes.input.payloads[0]
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    compressed = [p for p in scheduled if p.metadata["encoding"] == b"binary/zlib"]
    assert compressed, "the model calls' inputs are over 1 KiB and go compressed"

    port = free_port()
    with codec_server(CompressionCodec(), port, UI_ORIGIN):
        status, _, body = post(
            f"http://127.0.0.1:{port}/decode",
            payloads_json(compressed[0]),
            {"Content-Type": "application/json"},
        )
    assert status == 200
    [plain] = json.loads(body)["payloads"]
    assert base64.b64decode(plain["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(plain["data"]))["messages"]
