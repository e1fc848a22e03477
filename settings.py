"""Configuration, read only from the environment (secrets stay on the worker)."""

import json
import os
from pathlib import Path
from urllib.parse import quote

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.envconfig import ClientConfigProfile

from relay.agents.approvals import ApprovalPolicy
from relay.agents.guardrails import GOAL_HARD_LIMIT, GOAL_MAX_BYTES
from relay.agents.model_limits import ModelLimits
from relay.agents.models import Budget, HistoryLimit
from relay.agents.redaction import Redaction
from relay.temporal.codec import EncryptionCodec, build_codec, data_converter
from relay.temporal.compression import CodecChain, CompressionCodec

POSTGRES_URL = r"^postgres(ql)?://"


class ConfigError(Exception):
    """The environment holds a setting relay cannot use; the message is one line."""


class Settings(BaseModel):
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    # None: each app's own, `relay-<app name>` (queue_for): two apps' workers never share one.
    task_queue: str | None = None
    # The default model route; None: the app's own default (App(model=...)), if it has one.
    model: str | None = None
    # Where relay keeps its files: its store (ledger, stored results) and apps' databases.
    data_dir: Path = Path(".relay")
    db_path: Path | None = None  # the app's SQLite database; default <data_dir>/<app>.db
    store_path: Path | None = None  # relay's own store; default <data_dir>/relay.db
    # Where `relay models pull` puts local models' weights (shared by every checkout).
    models_dir: Path = Path.home() / ".cache" / "relay" / "models"
    # PostgreSQL instead (RELAY_DB / RELAY_STORE set to a postgresql:// URL): one ledger for
    # workers on many hosts.
    db_url: str | None = Field(default=None, pattern=POSTGRES_URL)
    store_url: str | None = Field(default=None, pattern=POSTGRES_URL)
    # Worker Deployment versioning (temporal/deployment.py): both or neither.
    deployment_name: str | None = Field(default=None, min_length=1, max_length=200)
    build_id: str | None = Field(default=None, min_length=1, max_length=200)
    approval_timeout_seconds: float = Field(default=24 * 3600, gt=0)
    ui_url: str = "http://localhost:8233"
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_open_seconds: float = Field(default=30.0, gt=0)
    # A route per agent, e.g. a cheap model for a simple specialist: {"catalog": "openai:..."}.
    agent_models: dict[str, str] = Field(default_factory=dict)
    # MCP servers (the common `mcp.json` shape) and which agents may use them, on top of the
    # grants in their specs: {"orders": ["time"]} or {"orders": ["time__get_current_time"]}.
    mcp_config: Path | None = None
    agent_mcp: dict[str, list[str]] = Field(default_factory=dict)
    # Each goal's budget where its request names none, and the loop breaker's limits.
    budget: Budget = Field(
        default_factory=lambda: Budget(
            max_steps=60, max_tokens=500_000, max_cost_usd=5.0, max_seconds=2 * 24 * 3600
        )
    )
    loop_limit: int = Field(default=3, ge=2)
    max_calls_per_turn: int = Field(default=5, ge=1)
    # Who may approve what; a JSON file or inline JSON in RELAY_APPROVAL_POLICY.
    approval_policy: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    # With a secret, a decision counts only with a valid HMAC made by `relay approve`.
    approval_secret: SecretStr | None = None
    redaction: Redaction = Field(default_factory=Redaction)
    # Tools whose side effects stay when a goal does not complete (RELAY_KEEP_EFFECTS=a,b).
    keep_effects: list[str] = Field(default_factory=list)
    max_goal_bytes: int = Field(default=GOAL_MAX_BYTES, ge=1, le=GOAL_HARD_LIMIT)
    # Tool results larger than this go to the store by reference (history holds a preview);
    # at most 1 MiB, so no result can push a workflow command past the 2 MB payload limit.
    max_tool_result_bytes: int = Field(default=256 * 1024, ge=1024, le=1024 * 1024)
    # Each agent's model input stays within this many tokens (older turns are summarized).
    context_window_tokens: int = Field(default=16_000, ge=1000, le=1_000_000)
    # Prompts and completions in trace spans (RELAY_TRACE_CONTENT=1); off: they may be private.
    trace_content: bool = False
    # Temporal SDK metrics on a Prometheus endpoint at this port (RELAY_METRICS_PORT).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Payload encryption (temporal/codec.py): the current key, its id, and retired keys.
    encryption_key: SecretStr | None = None
    encryption_key_id: str | None = None
    decryption_keys: SecretStr | None = None
    codec_token: SecretStr | None = None  # bearer token the codec server requires, if set
    # zlib-compress relay's internal payloads over 512 bytes (RELAY_COMPRESS_PAYLOADS=0 turns it
    # off; temporal/compression.py). Compressed payloads read back whatever this says.
    compress_payloads: bool = True
    # Model routes an HTTP client may name for its goal (RELAY_SERVE_MODELS=a,b); none: goals
    # started over HTTP run on the default route. Never a `scripted:FILE` route.
    serve_models: list[str] = Field(default_factory=list)
    # Event streams (GET /goals/ID/events) one person may hold open on one `relay serve`.
    serve_streams_per_person: int = Field(default=8, ge=1, le=1000)
    # Where a goal's runs stop themselves, below Temporal's own history limits
    # (RELAY_HISTORY_STOP_EVENTS, RELAY_HISTORY_STOP_BYTES).
    history_limit: HistoryLimit = Field(default_factory=HistoryLimit)
    # A `relay` command stopped by SIGTERM/SIGINT that has not finished stopping after this
    # long exits anyway (RELAY_STOP_SECONDS): a stuck shutdown never keeps a worker around.
    stop_seconds: float = Field(default=15.0, gt=0, le=3600)
    # Workflows a worker keeps in memory between their steps (RELAY_MAX_CACHED_WORKFLOWS). Past
    # it, a step of an evicted workflow (a decision, an activity's result) replays its whole
    # history first. A goal waiting on a person keeps two open (supervisor and agent); see
    # docs/PERFORMANCE.md for the memory each costs.
    max_cached_workflows: int = Field(default=4000, ge=0, le=100_000)
    # Reads of relay's own tools and guard checks run as local activities on a worker that
    # caches workflows (RELAY_LOCAL_ACTIVITIES=0: every call an activity of its own, as before).
    local_activities: bool = True
    # Test-only: a fault-injection point where this worker kills itself (activities/faults.py).
    fault: str | None = None
    # Requests and tokens per window of a route entry, shared by every worker through relay's
    # store (RELAY_MODEL_LIMITS='{"openai:gpt-4o-mini": {"requests": "500/minute",
    # "tokens": "200000/minute"}}'): calls queue for their slot instead of drawing 429s.
    model_limits: dict[str, ModelLimits] = Field(default_factory=dict)
    # Benchmarks: the scripted test double answers after (low, high) ms (RELAY_SCRIPTED_LATENCY_MS).
    scripted_latency_ms: tuple[float, float] | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        try:
            return cls._from_env()
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise ConfigError(f"bad setting {where}: {message}" if where else message) from None
        except ValueError as err:  # JSON in an environment variable
            raise ConfigError(f"bad setting: {err}") from None
        except RuntimeError as err:  # Temporal's profile file or profile name
            raise ConfigError(f"TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE: {err}") from None

    @classmethod
    def _from_env(cls) -> "Settings":
        # Temporal's own environment configuration: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, or
        # the profile (TEMPORAL_PROFILE) of the TOML file the `temporal` CLI reads.
        profile = ClientConfigProfile.load()
        env = {
            "temporal_address": profile.address,
            "temporal_namespace": profile.namespace,
            "task_queue": os.environ.get("RELAY_TASK_QUEUE"),
            "model": os.environ.get("RELAY_MODEL"),
            "data_dir": os.environ.get("RELAY_DATA_DIR"),
            "models_dir": os.environ.get("RELAY_MODELS_DIR"),
            **_location("RELAY_DB", "db"),
            **_location("RELAY_STORE", "store"),
            "deployment_name": os.environ.get("RELAY_DEPLOYMENT_NAME"),
            "build_id": os.environ.get("RELAY_BUILD_ID"),
            "approval_timeout_seconds": os.environ.get("RELAY_APPROVAL_TIMEOUT_SECONDS"),
            "ui_url": os.environ.get("RELAY_UI_URL"),
            "llm_timeout_seconds": os.environ.get("RELAY_LLM_TIMEOUT_SECONDS"),
            "breaker_failures": os.environ.get("RELAY_BREAKER_FAILURES"),
            "breaker_open_seconds": os.environ.get("RELAY_BREAKER_OPEN_SECONDS"),
            "agent_models": json.loads(os.environ.get("RELAY_AGENT_MODELS") or "{}"),
            "mcp_config": os.environ.get("RELAY_MCP_CONFIG")
            or ("mcp.json" if Path("mcp.json").is_file() else None),
            "agent_mcp": json.loads(os.environ.get("RELAY_AGENT_MCP") or "{}"),
            "model_limits": json.loads(os.environ.get("RELAY_MODEL_LIMITS") or "{}"),
            "fault": os.environ.get("RELAY_FAULT"),
            "scripted_latency_ms": _range("RELAY_SCRIPTED_LATENCY_MS"),
            "loop_limit": os.environ.get("RELAY_LOOP_LIMIT"),
            "max_calls_per_turn": os.environ.get("RELAY_MAX_CALLS_PER_TURN"),
            "approval_policy": _json_or_file("RELAY_APPROVAL_POLICY"),
            "approval_secret": os.environ.get("RELAY_APPROVAL_SECRET"),
            "redaction": {
                "enabled": os.environ.get("RELAY_REDACT", "1") not in ("0", "false", "off"),
                "patterns": json.loads(os.environ.get("RELAY_REDACT_PATTERNS") or "[]"),
            },
            "keep_effects": [
                t.strip() for t in os.environ.get("RELAY_KEEP_EFFECTS", "").split(",") if t.strip()
            ],
            "max_goal_bytes": os.environ.get("RELAY_MAX_GOAL_BYTES"),
            "trace_content": os.environ.get("RELAY_TRACE_CONTENT") == "1",
            "max_tool_result_bytes": os.environ.get("RELAY_MAX_TOOL_RESULT_BYTES"),
            "context_window_tokens": os.environ.get("RELAY_CONTEXT_WINDOW_TOKENS"),
            "metrics_port": os.environ.get("RELAY_METRICS_PORT"),
            "encryption_key": os.environ.get("RELAY_ENCRYPTION_KEY"),
            "encryption_key_id": os.environ.get("RELAY_ENCRYPTION_KEY_ID"),
            "decryption_keys": os.environ.get("RELAY_DECRYPTION_KEYS"),
            "codec_token": os.environ.get("RELAY_CODEC_TOKEN"),
            "compress_payloads": os.environ.get("RELAY_COMPRESS_PAYLOADS"),
            "serve_models": [
                r.strip() for r in os.environ.get("RELAY_SERVE_MODELS", "").split(",") if r.strip()
            ],
            "serve_streams_per_person": os.environ.get("RELAY_SERVE_STREAMS_PER_PERSON"),
            "stop_seconds": os.environ.get("RELAY_STOP_SECONDS"),
            "max_cached_workflows": os.environ.get("RELAY_MAX_CACHED_WORKFLOWS"),
            "local_activities": os.environ.get("RELAY_LOCAL_ACTIVITIES"),
            "history_limit": {
                k: v
                for k, v in {
                    "events": os.environ.get("RELAY_HISTORY_STOP_EVENTS"),
                    "bytes": os.environ.get("RELAY_HISTORY_STOP_BYTES"),
                }.items()
                if v
            },
        }
        settings = cls.model_validate({k: v for k, v in env.items() if v})
        settings.codec()  # a bad key is a configuration error now, not at the first payload
        budget = Budget(
            max_steps=os.environ.get("RELAY_MAX_STEPS") or None,  # type: ignore[arg-type]
            max_tokens=os.environ.get("RELAY_MAX_TOKENS") or None,  # type: ignore[arg-type]
            max_cost_usd=os.environ.get("RELAY_MAX_COST_USD") or None,  # type: ignore[arg-type]
            max_seconds=os.environ.get("RELAY_MAX_SECONDS") or None,  # type: ignore[arg-type]
            escalate=os.environ.get("RELAY_ESCALATE") or None,  # type: ignore[arg-type]
        )
        return settings.model_copy(update={"budget": budget.over(settings.budget)})

    @field_validator("serve_models")
    @classmethod
    def _no_script_files(cls, routes: list[str]) -> list[str]:
        files = [r for r in routes if r.startswith("scripted:")]
        if files:
            raise ValueError(f"RELAY_SERVE_MODELS may not offer a script file route: {files[0]}")
        return routes

    @model_validator(mode="after")
    def _deployment_named_whole(self) -> "Settings":
        if (self.deployment_name is None) != (self.build_id is None):
            raise ValueError(
                "RELAY_DEPLOYMENT_NAME and RELAY_BUILD_ID go together: set both or neither"
            )
        return self

    def codec(self) -> EncryptionCodec | None:
        def secret(value: SecretStr | None) -> str:
            return value.get_secret_value() if value else ""

        return build_codec(
            secret(self.encryption_key), self.encryption_key_id, secret(self.decryption_keys)
        )

    def payload_codec(self) -> PayloadCodec:
        """Everything payloads go through: compression (which, turned off, still reads
        compressed payloads back), then encryption when it is on."""
        compression = CompressionCodec(enabled=self.compress_payloads)
        encryption = self.codec()
        return compression if encryption is None else CodecChain([compression, encryption])

    def converter(self) -> DataConverter:
        """The data converter of relay's clients and workers for these settings."""
        return data_converter(self.payload_codec(), encode_failures=self.codec() is not None)

    def queue_for(self, app_name: str) -> str:
        """The task queue of an app's workers and goals: RELAY_TASK_QUEUE, else the app's."""
        return self.task_queue or f"relay-{app_name}"

    def app_db(self, app_name: str) -> Path | str:
        """The database of an app that keeps its data in one: a SQLite path or a URL."""
        return self.db_url or self.db_path or self.data_dir / f"{app_name}.db"

    def store(self) -> Path | str:
        """relay's own store: a SQLite path or a PostgreSQL URL."""
        return self.store_url or self.store_path or self.data_dir / "relay.db"

    def run_url(self, workflow_id: str) -> str:
        return f"{self.ui_url}/namespaces/{self.temporal_namespace}/workflows/{workflow_id}"

    def query_url(self, query: str) -> str:
        """The Web UI's list of the runs a visibility query finds."""
        return f"{self.ui_url}/namespaces/{self.temporal_namespace}/workflows?query={quote(query)}"


def _location(variable: str, name: str) -> dict[str, str]:
    """A SQLite path (`<name>_path`) or a PostgreSQL URL (`<name>_url`)."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return {}
    return {f"{name}_url" if "://" in value else f"{name}_path": value}


def _json_or_file(variable: str) -> object:
    """A JSON value given inline (starting with `{`) or as the path of a JSON file."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    if not value.startswith("{"):
        try:
            value = Path(value).read_text()
        except OSError as err:
            raise ValueError(f"{variable}: cannot read {value}: {err.strerror}") from None
    try:
        return json.loads(value)
    except json.JSONDecodeError as err:
        raise ValueError(f"{variable} is not valid JSON: {err}") from None


def _range(variable: str) -> tuple[float, float] | None:
    """`300-800` -> (300.0, 800.0); a single number is both ends."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    low, _, high = value.partition("-")
    try:
        return float(low), float(high or low)
    except ValueError:
        raise ValueError(f"{variable}={value!r}: expected LOW-HIGH milliseconds") from None
