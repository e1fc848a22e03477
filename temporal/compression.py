"""zlib compression of large payloads (RELAY_COMPRESS_PAYLOADS=1), and chaining it with
encryption. Off by default: compressed payloads are binary in the Temporal Web UI unless it
decodes through relay's codec server (`relay codec-server`), which handles both.

Payloads under COMPRESS_OVER_BYTES stay as they are (compressing them saves nothing); a payload
written before compression was turned on decodes unchanged."""

import zlib
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/zlib"
COMPRESS_OVER_BYTES = 1024


class CompressionCodec(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.compress(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decompress(p) for p in payloads]

    @staticmethod
    def compress(payload: Payload) -> Payload:
        whole = payload.SerializeToString()
        if len(whole) <= COMPRESS_OVER_BYTES:
            return payload
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
