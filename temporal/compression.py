"""zlib compression of the large payloads only relay's own workflows and activities exchange
(on by default; RELAY_COMPRESS_PAYLOADS=0 turns it off), and chaining it with encryption.

relay's payload converter marks the payload of an internal model (agents/internal.py: an
agent's task and result, a run's configuration, model requests and answers, tool calls); this
codec takes the mark off and compresses the payload when it is over COMPRESS_OVER_BYTES. What a
client sends or reads carries no mark and stays plain JSON. Compressed payloads are binary in
a Web UI that does not decode through relay's codec server (`relay dev` wires it; elsewhere
`relay codec-server` and the UI's codec endpoint); relay's own readers (`relay status`,
`relay conversation`, replay, eval record) decode them themselves.

Decoding never depends on the setting: a payload compressed by another worker, or before
compression was turned off, reads back, and a plain one reads unchanged."""

import zlib
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/zlib"
COMPRESSIBLE = "relay-compressible"  # metadata relay's payload converter sets; never stored
# Below this a payload stays as it is: JSON this small gains little and stays readable.
COMPRESS_OVER_BYTES = 512


class CompressionCodec(PayloadCodec):
    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.compress(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decompress(p) for p in payloads]

    def compress(self, payload: Payload) -> Payload:
        if COMPRESSIBLE not in payload.metadata:
            return payload
        plain = Payload()
        plain.CopyFrom(payload)
        del plain.metadata[COMPRESSIBLE]
        whole = plain.SerializeToString()
        if not self._enabled or len(whole) <= COMPRESS_OVER_BYTES:
            return plain
        return Payload(metadata={"encoding": ENCODING}, data=zlib.compress(whole, 6))

    @staticmethod
    def decompress(payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        return Payload.FromString(zlib.decompress(payload.data))


class CodecChain(PayloadCodec):
    """Codecs applied in order on the way out and in reverse on the way in (compress, then
    encrypt: encrypted bytes do not compress)."""

    def __init__(self, codecs: Sequence[PayloadCodec]) -> None:
        self._codecs = list(codecs)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = list(payloads)
        for codec in self._codecs:
            out = await codec.encode(out)
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = list(payloads)
        for codec in reversed(self._codecs):
            out = await codec.decode(out)
        return out
