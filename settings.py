"""Configuration, read only from the environment (secrets stay on the worker)."""

import json
import os
from pathlib import Path

from pydantic import BaseModel, Field

from agents.models import Budget


class Settings(BaseModel):
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "relay"
    model: str = "scripted"
    db_path: Path = Path(".relay/shop.db")
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
    # Test-only: a fault-injection point where this worker kills itself (activities/faults.py).
    fault: str | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        env = {
            "temporal_address": os.environ.get("TEMPORAL_ADDRESS"),
            "temporal_namespace": os.environ.get("TEMPORAL_NAMESPACE"),
            "task_queue": os.environ.get("RELAY_TASK_QUEUE"),
            "model": os.environ.get("RELAY_MODEL"),
            "db_path": os.environ.get("RELAY_DB"),
            "approval_timeout_seconds": os.environ.get("RELAY_APPROVAL_TIMEOUT_SECONDS"),
            "ui_url": os.environ.get("RELAY_UI_URL"),
            "llm_timeout_seconds": os.environ.get("RELAY_LLM_TIMEOUT_SECONDS"),
            "breaker_failures": os.environ.get("RELAY_BREAKER_FAILURES"),
            "breaker_open_seconds": os.environ.get("RELAY_BREAKER_OPEN_SECONDS"),
            "agent_models": json.loads(os.environ.get("RELAY_AGENT_MODELS") or "{}"),
            "mcp_config": os.environ.get("RELAY_MCP_CONFIG")
            or ("mcp.json" if Path("mcp.json").is_file() else None),
            "agent_mcp": json.loads(os.environ.get("RELAY_AGENT_MCP") or "{}"),
            "fault": os.environ.get("RELAY_FAULT"),
            "loop_limit": os.environ.get("RELAY_LOOP_LIMIT"),
            "max_calls_per_turn": os.environ.get("RELAY_MAX_CALLS_PER_TURN"),
        }
        settings = cls.model_validate({k: v for k, v in env.items() if v})
        budget = Budget(
            max_steps=os.environ.get("RELAY_MAX_STEPS") or None,  # type: ignore[arg-type]
            max_tokens=os.environ.get("RELAY_MAX_TOKENS") or None,  # type: ignore[arg-type]
            max_cost_usd=os.environ.get("RELAY_MAX_COST_USD") or None,  # type: ignore[arg-type]
            max_seconds=os.environ.get("RELAY_MAX_SECONDS") or None,  # type: ignore[arg-type]
            escalate=os.environ.get("RELAY_ESCALATE") or None,  # type: ignore[arg-type]
        )
        return settings.model_copy(update={"budget": budget.over(settings.budget)})

    def run_url(self, workflow_id: str) -> str:
        return f"{self.ui_url}/namespaces/{self.temporal_namespace}/workflows/{workflow_id}"
