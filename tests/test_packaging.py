"""relay installs one top-level package, `relay`: a user's own `tools.py`, `settings.py` or
`agents` package (openai-agents installs one) beside their app breaks nothing."""

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The user's own top-level `agents` (as openai-agents installs), `settings` and `tools`
# modules, imported by name (importlib, so relay's own layout checks do not read these lines
# of the user's code as relay's imports).
USER_APP = '''
import importlib

from pydantic import BaseModel

from relay import Agent, App, ToolContext, ToolSet

agents = importlib.import_module("agents")
settings = importlib.import_module("settings")
shout = importlib.import_module("tools").shout

toolset = ToolSet()


class Args(BaseModel):
    text: str


@toolset.tool(args=Args, risk="read")
def echo(args: Args, ctx: ToolContext) -> dict:
    """Echo, loudly."""
    return {"echo": shout(args.text), "by": agents.Agent.__name__, "mode": settings.MODE}


app = App(
    "echoer",
    agents=[Agent("echo", description="Echoes.", instructions="Echo.", tools=[echo])],
    tools=toolset,
)
'''


def user_project(root: Path) -> Path:
    (root / "agents").mkdir()
    (root / "agents" / "__init__.py").write_text("class Agent:  # like openai-agents'\n    pass\n")
    (root / "tools.py").write_text("def shout(text):\n    return text.upper()\n")
    (root / "settings.py").write_text("MODE = 'user settings'\n")
    (root / "myapp.py").write_text(textwrap.dedent(USER_APP))
    return root


def test_user_modules_named_like_relays_folders_break_nothing(tmp_path: Path) -> None:
    project = user_project(tmp_path)
    check = textwrap.dedent(
        """
        import importlib
        agents, settings, tools = map(importlib.import_module, ["agents", "settings", "tools"])
        import relay.cli, relay.worker
        from relay import RelayPlugin, Settings
        from myapp import app
        plugin = RelayPlugin(app, Settings(data_dir="data"))
        assert agents.__file__.startswith(PROJECT), agents.__file__
        assert tools.shout("ok") == "OK" and settings.MODE == "user settings"
        print("ok", plugin.name(), sorted(app.agents))
        """
    ).replace("PROJECT", repr(str(project)))
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok relay ['echo']"


def test_the_cli_loads_a_user_app_beside_its_own_tools_module(tmp_path: Path) -> None:
    project = user_project(tmp_path)
    relay = Path(sys.executable).parent / "relay"
    done = subprocess.run(
        [str(relay), "run", "hi", "--app", "myapp:app"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The app loads; the one-line refusal is about its model, which this app does not name.
    assert done.returncode == 1
    assert done.stderr == (
        "relay: error: no model is configured for app 'echoer': set RELAY_MODEL or pass --model\n"
    )


def test_the_wheel_holds_only_the_relay_package(tmp_path: Path) -> None:
    # Built from a copy, so the build leaves nothing behind in the checkout.
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", ".relay", "artifacts", "*.egg-info", "__pycache__"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = wheels.glob("relay-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"relay"}
    assert "relay/__init__.py" in names and "relay/workflows/supervisor.py" in names
    # Every subpackage ships, the inbox page with the service that serves it.
    for shipped in (
        "relay/service/inbox.html",
        "relay/evals/runner.py",
        "relay/tools/store_postgres.py",
    ):
        assert shipped in names, shipped
    assert not any(n.startswith(("relay/tests/", "relay/examples/")) for n in names)
