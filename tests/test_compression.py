"""Compressed payloads (on by default): relay's internal shapes go to Temporal as zlib once
they are large, with encryption after compression when both are on; what a client sends or
reads stays plain JSON; a goal runs and replays as before; a worker with compression turned
off still reads compressed payloads; the codec server gives the Web UI the plain payloads."""

import base64
import json
import os
from pathlib import Path

from temporalio.api.common.v1 import Payload

from relay.agents.llm_models import LlmRequest, Message
from relay.agents.models import GoalRequest
from relay.client.replay import replay_history
from relay.temporal.codec import RELAY_CONVERTER, build_codec
from relay.temporal.codec_server import codec_server
from relay.temporal.compression import COMPRESSIBLE, CodecChain, CompressionCodec
from relay.temporal.devserver import DevServer, free_port
from tests.conftest import running_relay
from tests.test_encryption import UI_ORIGIN, payloads_json, post

LONG = "a model request long enough to be worth compressing. " * 40
CONVERT = RELAY_CONVERTER.payload_converter


def _request() -> Payload:
    return CONVERT.to_payload(
        LlmRequest(
            model="scripted",
            purpose="agent",
            agent="a",
            messages=[Message(role="user", content=LONG)],
        )
    )


async def test_large_internal_payloads_compress_and_everything_else_stays_plain() -> None:
    codec = CompressionCodec()
    request, goal, short = (
        _request(),
        CONVERT.to_payload(GoalRequest(goal=LONG[:900])),
        CONVERT.to_payload(LlmRequest(model="m", purpose="agent", agent="a", messages=[])),
    )
    assert COMPRESSIBLE in request.metadata and COMPRESSIBLE not in goal.metadata
    big, public, small = await codec.encode([request, goal, short])
    assert big.metadata["encoding"] == b"binary/zlib" and len(big.data) < len(request.data) / 5
    # A client's shape (a goal, over the threshold too) and a small internal one stay JSON;
    # the mark never reaches Temporal.
    assert public == goal and dict(small.metadata) == {"encoding": b"json/plain"}
    [back] = await codec.decode([big])
    assert COMPRESSIBLE not in back.metadata
    assert CONVERT.from_payload(back, LlmRequest).messages[0].content == LONG
    # Turned off, nothing compresses, and what another worker compressed still reads back.
    off = CompressionCodec(enabled=False)
    [plain] = await off.encode([request])
    assert dict(plain.metadata) == {"encoding": b"json/plain"} and plain.data == request.data
    assert await off.decode([big]) == [back]
    # Encrypted after compressing: the ciphertext holds the compressed payload.
    encryption = build_codec(base64.b64encode(os.urandom(32)).decode(), "k1")
    assert encryption is not None
    chain = CodecChain([codec, encryption])
    [sealed] = await chain.encode([request])
    assert (
        sealed.metadata["encoding"] == b"binary/encrypted"
        and len(sealed.data) < len(request.data) / 5
    )
    assert (await encryption.decode([sealed]))[0].metadata["encoding"] == b"binary/zlib"
    assert await chain.decode([sealed]) == [back]


async def test_a_goal_runs_compressed_and_the_codec_server_decodes_it(
    temporal_server: DevServer, tmp_path: Path
) -> None:
    async with running_relay(temporal_server, tmp_path) as relay:
        handle = await relay.start(model="scripted")
        result = await relay.approve_all(handle)
        history = await handle.fetch_history()
        verdict = await replay_history(history, converter=relay.settings.converter())
        agent = await relay.client.get_workflow_handle(result.tasks[-1].workflow_id).fetch_history()
        runs = await relay.activity_runs(result.tasks[-1].workflow_id, "llm")

    assert result.status == "completed" and verdict is None
    # The goal's own input and result, which clients read, are plain JSON.
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    ended = history.events[-1].workflow_execution_completed_event_attributes.result.payloads[0]
    assert json.loads(started.data)["goal"] and json.loads(ended.data)["status"] == "completed"
    # The run's configuration (tool schemas) and the agent's task went compressed.
    config = next(
        e.activity_task_completed_event_attributes.result.payloads[0]
        for e in history.events
        if e.HasField("activity_task_completed_event_attributes")
    )
    task = agent.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert config.metadata["encoding"] == task.metadata["encoding"] == b"binary/zlib"
    # relay's own readers decode them: the model's first turn as the agent saw it.
    assert runs[0].input["messages"][0]["role"] == "system"

    port = free_port()
    with codec_server(CompressionCodec(), port, UI_ORIGIN):
        status, _, body = post(
            f"http://127.0.0.1:{port}/decode",
            payloads_json(task),
            {"Content-Type": "application/json"},
        )
    assert status == 200
    [plain] = json.loads(body)["payloads"]
    assert base64.b64decode(plain["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(plain["data"]))["instructions"]
