"""The dependency layer: arm64 binaries only, byte-identical rebuilds, our package inside, pins in sync.

Builds into a temporary directory with ``python -m webhookdev.build --layer-only`` (the third-party wheels come from
the cache under ``$WEBHOOKS_CACHE``; the first run on a machine installs them from PyPI).
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import re
import struct
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EM_AARCH64 = 183
LAYER = "webhook-processor-dependencies.zip"
MAGIC_311 = importlib.util.MAGIC_NUMBER if sys.version_info[:2] == (3, 11) else b""


def _build(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "webhookdev.build", "--out", str(out), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def layer_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layer-a")
    result = _build(out, "--layer-only")
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    path = Path(last_line)
    assert path.is_absolute()
    assert path == out / "layers" / LAYER
    return path


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A second, independent build: every function zip and the layer."""
    out = tmp_path_factory.mktemp("build-b")
    result = _build(out)
    assert result.returncode == 0, result.stderr
    return out, result


def test_every_shared_object_in_the_layer_is_an_aarch64_elf(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as archive:
        shared_objects = [n for n in archive.namelist() if re.search(r"\.so(\.\d+)*$", n)]
        assert shared_objects, "expected compiled extensions (cryptography, cffi, ...)"
        for name in shared_objects:
            header = archive.read(name)[:20]
            assert header[:4] == b"\x7fELF", name
            assert header[4] == 2, f"{name}: not ELF64"
            byteorder = "<" if header[5] == 1 else ">"
            (machine,) = struct.unpack(byteorder + "H", header[18:20])
            assert machine == EM_AARCH64, f"{name}: e_machine {machine}, expected {EM_AARCH64} (aarch64)"
        assert not any("x86_64" in n or "amd64" in n for n in archive.namelist())


def test_layer_holds_the_requested_libraries_and_webhook_core_under_python(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as archive:
        names = set(archive.namelist())
    for module in ("requests", "cryptography", "boto3", "botocore", "aws_xray_sdk", "aws_lambda_powertools"):
        assert f"python/{module}/__init__.py" in names, module
    for module in ("__init__.py", "validator.py", "masking.py", "providers/stripe.py", "authorizer.py"):
        assert f"python/webhook_core/{module}" in names, module
    assert not [n for n in names if n.startswith("python/bin/")]
    assert not [n for n in names if n.endswith(".pyo")]
    assert all(n.startswith("python/") for n in names)


def test_layer_bytecode_is_ours_for_cpython_311_unchecked_hash_and_names_opt_python(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as archive:
        names = set(archive.namelist())
        compiled = sorted(n for n in names if n.endswith(".pyc"))
        assert compiled, "expected bytecode so a read-only /opt needs no compile at cold start"
        for name in compiled:
            folder, _, file = name.rpartition("/__pycache__/")
            module, tag, _ = file.rsplit(".", 2)
            assert tag == "cpython-311", name
            assert f"{folder}/{module}.py" in names, f"{name} has no source next to it"
            header = archive.read(name)[:16]
            assert header[:4] == MAGIC_311, name
            assert int.from_bytes(header[4:8], "little") == 0b01, f"{name}: not an unchecked hash-based pyc"
        assert not [n for n in names if "__pycache__" in n and not n.endswith(".cpython-311.pyc")]
        sample = archive.read("python/webhook_core/__pycache__/validator.cpython-311.pyc")
        code = marshal.loads(sample[16:])  # noqa: S302 - bytecode this test just built
        assert code.co_filename == "/opt/python/webhook_core/validator.py"
        sources = sorted(n for n in names if n.endswith(".py"))
        expected = {
            f"{n.rpartition('/')[0]}/__pycache__/{n.rpartition('/')[2][:-3]}.cpython-311.pyc": n for n in sources
        }
        missing = sorted(source for pyc, source in expected.items() if pyc not in names)
        # A module whose syntax this interpreter rejects may stay uncompiled; nothing we import is like that.
        assert len(missing) <= len(sources) // 100, f"modules without bytecode: {missing[:5]}"
        assert not [m for m in missing if "/webhook_core/" in m or "/botocore/" in m or "/boto3/" in m]


def test_layer_zip_is_byte_identical_across_builds(
    layer_zip: Path, full_build: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    again = full_build[0] / "layers" / LAYER

    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(layer_zip.read_bytes()).hexdigest()


def test_zip_entries_have_fixed_timestamps_and_permissions(layer_zip: Path) -> None:
    with zipfile.ZipFile(layer_zip) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_function_zips_hold_only_their_index(full_build: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, result = full_build
    handlers = sorted(p.parent.name for p in (REPO / "lambda").glob("*/index.py"))
    built = sorted(p.stem for p in (out / "functions").glob("*.zip"))

    assert built == handlers
    for name in built:
        with zipfile.ZipFile(out / "functions" / f"{name}.zip") as archive:
            assert archive.namelist() == ["index.py"]
            assert archive.read("index.py") == (REPO / "lambda" / name / "index.py").read_bytes()
    assert result.stdout.strip().splitlines()[-1] == str(out / "layers" / LAYER)


def test_layer_requirements_match_the_devtools_pins() -> None:
    project = tomllib.loads((REPO / "devtools" / "pyproject.toml").read_text())["project"]
    pins = {re.split(r"[=<>~!]", dep, maxsplit=1)[0].lower(): dep for dep in project["dependencies"]}
    lines = (REPO / "lambda" / "layers" / "dependencies" / "requirements.txt").read_text().splitlines()
    layer = {re.split(r"[=<>~!]", line, maxsplit=1)[0].lower(): line for line in lines if line and line[0] != "#"}

    assert layer == pins
