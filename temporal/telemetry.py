"""Process-wide telemetry, configured once: OpenTelemetry providers exporting over OTLP/HTTP
only when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing is sent anywhere otherwise), and the
Temporal SDK's own metrics on a Prometheus endpoint when RELAY_METRICS_PORT is set."""

import functools
import os

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig


@functools.cache
def configure_exporters(service: str = "relay") -> bool:
    """Install OTLP/HTTP exporters for traces and metrics when an endpoint is configured.
    The exporters read the standard OTEL_EXPORTER_OTLP_* variables. True when installed."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    resource = Resource.create({"service.name": service})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    return True


@functools.cache
def _tracing_interceptor() -> TracingInterceptor:
    """One instance per process, so a plugin does not add it twice to a client that has it.
    The tracer follows whatever provider the process installed."""
    return TracingInterceptor(trace.get_tracer("relay.temporal"))


def tracing_interceptors() -> list[TracingInterceptor]:
    """On the client and (through it) the worker, when spans go somewhere (OTLP configured,
    or an SDK tracer provider the process installed): one goal is one trace, supervisor ->
    child agents -> activities. Otherwise none: it would cost every task for nothing."""
    exporting = configure_exporters() or isinstance(trace.get_tracer_provider(), TracerProvider)
    return [_tracing_interceptor()] if exporting else []


@functools.cache
def temporal_runtime(metrics_port: int | None) -> Runtime:
    """The SDK runtime: the default one, or one serving Prometheus metrics on the port."""
    if metrics_port is None:
        return Runtime.default()
    return Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"0.0.0.0:{metrics_port}"))
    )
