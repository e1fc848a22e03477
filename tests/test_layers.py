"""relay's imports point down and inward only (DESIGN.md, "Layout"): a module that imports one
above its layer fails here, with the line that does it. Read from the source (ast), so a lazy
import inside a function counts as much as one at the top."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = {
    "agents",
    "workflows",
    "activities",
    "tools",
    "temporal",
    "client",
    "service",
    "evals",
    "cli",
    "testing",
}
# What each part may not import (the root modules app, settings and worker sit between the
# layers: the worker above workflows and activities, app and settings below them).
FORBIDDEN = {
    # boundary models, specs, prompts: pure code
    "agents": PARTS - {"agents"} | {"worker", "app", "settings"},
    # deterministic orchestration: only models and other workflow code
    "workflows": PARTS - {"agents", "workflows"} | {"worker", "app", "settings"},
    # connection, dev server, codec, history readers: no workflow, no client above them
    "temporal": {
        "workflows",
        "activities",
        "client",
        "service",
        "evals",
        "cli",
        "testing",
        "worker",
    },
    "activities": {"workflows", "client", "service", "evals", "cli", "worker"},
    "tools": {"workflows", "activities", "temporal", "client", "service", "evals", "cli", "worker"},
    # what the CLI, the HTTP service and the evaluator share: below all three
    "client": {"service", "evals", "cli"},
    "service": {"evals", "cli"},
    "evals": {"service", "cli"},
}
SKIPPED = {"tests", "benchmarks", "examples", "docs", "artifacts"}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _violations(root: Path) -> list[str]:
    wrong = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root)
        if where.parts[0] in SKIPPED or where.parts[0].startswith("."):
            continue
        part = where.parts[0] if len(where.parts) > 1 else where.stem
        for line, module in _imports(path):
            name = module.split(".")
            if name[0] == "examples":
                wrong.append(f"{where}:{line} imports {module} (examples are not installed)")
            elif module == "relay" and str(where) != "__init__.py":
                wrong.append(f"{where}:{line} imports the relay face (import its module)")
            elif name[0] == "relay" and len(name) > 1 and name[1] in FORBIDDEN.get(part, ()):
                wrong.append(f"{where}:{line} imports {module}, above {part}/")
    return wrong


def test_no_module_imports_across_the_layers_the_wrong_way() -> None:
    assert _violations(ROOT) == []


def test_the_check_finds_a_wrong_import_even_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "bad.py").write_text(
        "def later():\n    from relay.activities.llm import LlmActivities\n"
    )
    (tmp_path / "workflows" / "good.py").write_text("from relay.agents.models import AgentTask\n")
    (tmp_path / "cli.py").write_text("import examples.shop\n")
    assert _violations(tmp_path) == [
        "cli.py:1 imports examples.shop (examples are not installed)",
        "workflows/bad.py:2 imports relay.activities.llm, above workflows/",
    ]
