"""One way to connect a client: the pydantic data converter, and a clear error when it fails."""

import asyncio
import time

from temporalio.client import Client

from relay.settings import Settings
from relay.temporal.codec import data_converter
from relay.temporal.telemetry import configure_exporters, temporal_runtime, tracing_interceptors


class TemporalUnreachable(RuntimeError):
    pass


async def connect_client(settings: Settings, wait_seconds: float = 0.0) -> Client:
    """Connect, retrying for `wait_seconds` (a server that was just started may not answer)."""
    configure_exporters()
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=data_converter(settings.codec()),
                interceptors=tracing_interceptors(),
                runtime=temporal_runtime(settings.metrics_port),
            )
        except RuntimeError as err:
            if time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                continue
            raise TemporalUnreachable(
                f"cannot reach Temporal at {settings.temporal_address} "
                f"(namespace {settings.temporal_namespace}); start one with `relay dev` "
                "or set TEMPORAL_ADDRESS"
            ) from err
