"""One way to connect a client: Temporal's own environment configuration (the `TEMPORAL_*`
variables and the TOML profile file the `temporal` CLI reads), the pydantic data converter,
and one clear line when it fails."""

import asyncio
import time
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.envconfig import ClientConfigProfile, ClientConfigTLS
from temporalio.service import RPCError

from relay.settings import Settings
from relay.temporal.telemetry import configure_exporters, temporal_runtime, tracing_interceptors

# Which setting names a TLS file, in the words a user configured it.
TLS_FILES = {
    "server_root_ca_cert": "TEMPORAL_TLS_SERVER_CA_CERT_PATH (tls.server_ca_cert)",
    "client_cert": "TEMPORAL_TLS_CLIENT_CERT_PATH (tls.client_cert)",
    "client_private_key": "TEMPORAL_TLS_CLIENT_KEY_PATH (tls.client_key)",
}
# What the TLS layer says -> which setting to look at.
TLS_FAILURES = [
    (("UnknownIssuer", "unknown issuer", "certificate verify failed"), "server_root_ca_cert"),
    (("NotValidForName", "not valid for name"), "server_name"),
    (
        ("CertificateRequired", "certificate required", "bad certificate", "BadCertificate"),
        "client_cert",
    ),
]


class TemporalUnreachable(RuntimeError):
    pass


def connect_options(settings: Settings) -> dict[str, Any]:
    """`Client.connect` keyword arguments: the environment's profile (TLS, API key, gRPC
    metadata), with relay's resolved address and namespace."""
    try:
        profile = ClientConfigProfile.load()
    except Exception as err:  # a bad profile file or profile name, in the SDK's words
        raise TemporalUnreachable(f"TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE: {err}") from None
    if profile.tls is not None:
        _check_tls_files(profile.tls)
    options: dict[str, Any] = dict(profile.to_client_connect_config())
    options["target_host"] = settings.temporal_address
    options["namespace"] = settings.temporal_namespace
    return options


def _check_tls_files(tls: ClientConfigTLS) -> None:
    for field, setting in TLS_FILES.items():
        source = getattr(tls, field)
        if isinstance(source, Path) and not source.is_file():
            raise TemporalUnreachable(f"{setting}: no readable file {source}")


async def connect_client(settings: Settings, wait_seconds: float = 0.0) -> Client:
    """Connect, retrying for `wait_seconds` (a server that was just started may not answer)."""
    configure_exporters()
    options = connect_options(settings)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await Client.connect(
                **options,
                data_converter=settings.converter(),
                interceptors=tracing_interceptors(),
                runtime=temporal_runtime(settings.metrics_port),
            )
        except (RuntimeError, RPCError) as err:
            problem = _tls_problem(str(err), options) or _auth_problem(err, options)
            if problem is None and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                continue
            raise TemporalUnreachable(
                problem
                or f"cannot reach Temporal at {settings.temporal_address} "
                f"(namespace {settings.temporal_namespace}); start one with `relay dev` "
                "or set TEMPORAL_ADDRESS"
            ) from err


def _tls_problem(message: str, options: dict[str, Any]) -> str | None:
    if not options.get("tls"):
        return None
    for markers, field in TLS_FAILURES:
        if any(marker in message for marker in markers):
            setting = TLS_FILES.get(field, "TEMPORAL_TLS_SERVER_NAME (tls.server_name)")
            return (
                f"TLS to {options['target_host']} failed; check {setting}: {_last_words(message)}"
            )
    return None


def _auth_problem(err: Exception, options: dict[str, Any]) -> str | None:
    if options.get("api_key") and isinstance(err, RPCError) and "nauthenticated" in str(err):
        return f"TEMPORAL_API_KEY (api_key) was refused by {options['target_host']}: {err}"
    return None


def _last_words(message: str) -> str:
    """The innermost cause of a connection error, on one line."""
    text = " ".join(message.split())
    return text if len(text) <= 300 else "…" + text[-299:]
