"""AES-GCM encryption of every payload relay's clients and workers send to Temporal.

On with RELAY_ENCRYPTION_KEY (base64 of 32 random bytes) and RELAY_ENCRYPTION_KEY_ID. Payloads
are encrypted under the current key and name it in their metadata; keys retired by a rotation
stay able to decrypt when listed in RELAY_DECRYPTION_KEYS (`id:base64key,...`). Failure
messages and stack traces are moved into encoded attributes, so they are encrypted too. Search
attributes are not payloads: they stay plaintext (relay puts nothing secret there).
"""

import base64
import binascii
import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from relay.temporal.payload_converter import RelayPayloadConverter

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class CodecKeyError(ValueError):
    """A key setting relay cannot use, or a payload no configured key decrypts (one line)."""


def parse_key(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CodecKeyError(f"{name} is not base64") from None
    if len(key) != 32:
        raise CodecKeyError(f"{name} must be 32 bytes (base64 of 32 random bytes), not {len(key)}")
    return key


def parse_old_keys(text: str) -> dict[str, bytes]:
    keys = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        key_id, sep, key = entry.partition(":")
        if not sep or not key_id:
            raise CodecKeyError("RELAY_DECRYPTION_KEYS entries are `id:base64key`")
        keys[key_id] = parse_key(key, f"RELAY_DECRYPTION_KEYS key {key_id!r}")
    return keys


class EncryptionCodec(PayloadCodec):
    def __init__(self, key_id: str, key: bytes, old_keys: dict[str, bytes] | None = None) -> None:
        self._key_id = key_id
        self._keys = {**(old_keys or {}), key_id: key}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self._key_id]).encrypt(
            nonce, payload.SerializeToString(), self._key_id.encode()
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self._key_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before encryption was turned on
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        key = self._keys.get(key_id)
        if key is None:
            raise CodecKeyError(
                f"no key {key_id!r} to decrypt with; list it in RELAY_DECRYPTION_KEYS"
            )
        try:
            plain = AESGCM(key).decrypt(payload.data[:12], payload.data[12:], key_id.encode())
        except InvalidTag:
            raise CodecKeyError(f"payload does not decrypt with key {key_id!r}") from None
        return Payload.FromString(plain)


def build_codec(key: str | None, key_id: str | None, old_keys: str = "") -> EncryptionCodec | None:
    """The codec for RELAY_ENCRYPTION_KEY / _KEY_ID / RELAY_DECRYPTION_KEYS; None when off."""
    if not key or not key.strip():
        return None
    if not key_id or not key_id.strip():
        raise CodecKeyError("RELAY_ENCRYPTION_KEY_ID must name the key (e.g. 2026-11)")
    return EncryptionCodec(
        key_id.strip(), parse_key(key, "RELAY_ENCRYPTION_KEY"), parse_old_keys(old_keys)
    )


# pydantic payloads, its converter shared by every workflow instance (temporal/payload_converter.py)
RELAY_CONVERTER = dataclasses.replace(
    pydantic_data_converter, payload_converter_class=RelayPayloadConverter
)


def data_converter(codec: PayloadCodec | None, encode_failures: bool = True) -> DataConverter:
    """pydantic payloads; with a codec, encoded payloads (and, unless told otherwise, failure
    messages moved into encoded attributes, so encryption covers them too)."""
    if codec is None:
        return RELAY_CONVERTER
    if not encode_failures:
        return dataclasses.replace(RELAY_CONVERTER, payload_codec=codec)
    return dataclasses.replace(
        RELAY_CONVERTER,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
