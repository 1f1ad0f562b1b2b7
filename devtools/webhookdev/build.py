"""Build the Lambda artifacts: ``build/functions/<dir>.zip`` per handler and the arm64 dependency layer.

    python -m webhookdev.build               # every function zip, then the layer
    python -m webhookdev.build --layer-only  # only the layer; its absolute path is the last line printed

Zips are deterministic (sorted entries, fixed timestamps and permissions, no ``__pycache__``), so a zip's hash,
and therefore Terraform's ``source_code_hash``, changes only when its content does.

The layer holds the pinned third-party wheels from ``lambda/layers/dependencies/requirements.txt``, installed for
``manylinux2014_aarch64``/CPython 3.11 with binary wheels only (decision 18), plus the first-party ``webhook_core``
package, all under ``python/`` (Lambda puts ``/opt/python`` on ``sys.path``). The installed wheels are cached
under ``$WEBHOOKS_CACHE/layer-site-<hash>`` keyed by the requirements and the target platform, so a warm build
only zips.

The layer also carries bytecode (``__pycache__/*.cpython-311.pyc``) for every module, compiled by this build, not
left over from a machine: ``/opt`` is read-only, so without it every cold start would compile botocore and the
rest from source (about 200-300 ms measured here). The ``.pyc`` files are unchecked-hash based (no timestamps),
name their source as ``/opt/python/...`` and are compiled with ``PYTHONHASHSEED=0`` in sorted order, so they are
as reproducible as the sources; they are built only when the build runs on CPython 3.11 (the runtime's version).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAMBDA_DIR = REPO / "lambda"
SHARED_PACKAGE = LAMBDA_DIR / "shared" / "webhook_core"
REQUIREMENTS = LAMBDA_DIR / "layers" / "dependencies" / "requirements.txt"
LAYER_NAME = "webhook-processor-dependencies"
PIP_TARGET_ARGS = (
    "--platform",
    "manylinux2014_aarch64",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    "--only-binary=:all:",
)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
SKIP_DIR = "__pycache__"  # stray bytecode from whoever imported from the tree; the build compiles its own
SKIP_TOP_LEVEL = "bin"  # pip's console scripts, with this machine's interpreter path
SKIP_SUFFIXES = (".pyc", ".pyo")
RUNTIME_PYTHON = (3, 11)
OPT_PYTHON = "/opt/python"
# Runs in a fresh interpreter with PYTHONHASHSEED=0: argv = source root, output root, path the runtime sees.
_COMPILE_SCRIPT = """
import py_compile, sys
from pathlib import Path
src, out, shown = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
for path in sorted(src.rglob("*.py")):
    rel = path.relative_to(src)
    if "__pycache__" in rel.parts[:-1] or (len(rel.parts) > 1 and rel.parts[0] == "bin"):
        continue
    cfile = out / rel.parent / "__pycache__" / f"{rel.stem}.{sys.implementation.cache_tag}.pyc"
    py_compile.compile(
        str(path), cfile=str(cfile), dfile=f"{shown}/{rel.as_posix()}", quiet=2,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
"""


def log(message: str) -> None:
    print(f"[build] {message}", file=sys.stderr, flush=True)


def cache_root() -> Path:
    return Path(os.environ.get("WEBHOOKS_CACHE") or Path.home() / ".cache" / "payment-webhooks")


def requirements_hash(requirements: Path = REQUIREMENTS) -> str:
    digest = hashlib.sha256()
    digest.update(requirements.read_bytes())
    digest.update("\0".join(PIP_TARGET_ARGS).encode())
    return digest.hexdigest()[:16]


def layer_site(requirements: Path = REQUIREMENTS) -> Path:
    """The cached ``pip install --target`` directory for ``requirements``; installed on first use."""
    site = cache_root() / f"layer-site-{requirements_hash(requirements)}"
    if (site / ".complete").is_file():
        log(f"third-party wheels: cached ({site})")
        return site
    site.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="layer-site-", dir=site.parent))
    log("third-party wheels: installing for manylinux2014_aarch64 / cp311 (first build only)")
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        *PIP_TARGET_ARGS,
        "--target",
        str(staging),
        "--requirement",
        str(requirements),
    ]
    try:
        subprocess.run(command, check=True)  # noqa: S603 - fixed argument list, no shell
    except subprocess.CalledProcessError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / ".complete").write_text(" ".join(command[3:]) + "\n")
    if site.exists():  # another build finished first: keep theirs
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(site)
    log(f"third-party wheels: installed in {time.monotonic() - started:.1f} s")
    return site


def compile_tree(source: Path, output: Path, shown_as: str) -> bool:
    """Compile every module under ``source`` into ``output/**/__pycache__``; False when not on CPython 3.11."""
    if sys.implementation.name != "cpython" or sys.version_info[:2] != RUNTIME_PYTHON:
        log(f"bytecode: skipped (this is Python {sys.version_info[0]}.{sys.version_info[1]}, the runtime is 3.11)")
        return False
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-c", _COMPILE_SCRIPT, str(source), str(output), shown_as]
    subprocess.run(command, check=True, env=env)  # noqa: S603 - our interpreter, fixed script
    return True


def layer_bytecode(site: Path) -> Path | None:
    """Cached bytecode for the third-party tree (keyed like the tree, plus the interpreter's cache tag)."""
    script = hashlib.sha256(_COMPILE_SCRIPT.encode()).hexdigest()[:8]
    target = site.parent / f"{site.name.replace('layer-site-', 'layer-pyc-')}-{sys.implementation.cache_tag}-{script}"
    if (target / ".complete").is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix="layer-pyc-", dir=site.parent))
    log("bytecode: compiling the third-party modules (first build only)")
    if not compile_tree(site, staging, OPT_PYTHON):
        shutil.rmtree(staging, ignore_errors=True)
        return None
    (staging / ".complete").write_text("ok\n")
    if target.exists():
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(target)
    return target


def _bytecode(root: Path | None) -> Iterator[tuple[str, Path]]:
    """``(path relative to root, file)`` for every compiled module under ``root``."""
    if root is None:
        return
    tag = f".{sys.implementation.cache_tag}.pyc"
    for path in sorted(root.rglob(f"__pycache__/*{tag}")):
        if path.is_file():
            yield path.relative_to(root).as_posix(), path


def _walk(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if SKIP_DIR in relative.parts[:-1] or (len(relative.parts) > 1 and relative.parts[0] == SKIP_TOP_LEVEL):
            continue
        if path.is_file() and not path.name.endswith(SKIP_SUFFIXES) and path.name != ".complete":
            yield path


def write_zip(destination: Path, entries: Iterable[tuple[str, Path]]) -> Path:
    """Write ``(archive name, source file)`` entries deterministically; returns the zip path."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, source in sorted(entries, key=lambda item: item[0]):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    temporary.replace(destination)
    return destination


def layer_entries(
    site: Path,
    shared: Path = SHARED_PACKAGE,
    site_bytecode: Path | None = None,
    shared_bytecode: Path | None = None,
) -> list[tuple[str, Path]]:
    entries = {f"python/{path.relative_to(site).as_posix()}": path for path in _walk(site)}
    for relative, path in _bytecode(site_bytecode):
        entries[f"python/{relative}"] = path
    for path in _walk(shared):
        entries[f"python/{shared.name}/{path.relative_to(shared).as_posix()}"] = path
    for relative, path in _bytecode(shared_bytecode):
        entries[f"python/{shared.name}/{relative}"] = path
    return sorted(entries.items())


def build_layer(out: Path) -> Path:
    site = layer_site()
    site_bytecode = layer_bytecode(site)
    with tempfile.TemporaryDirectory(prefix="webhook-core-pyc-") as scratch:
        compiled = compile_tree(SHARED_PACKAGE, Path(scratch), f"{OPT_PYTHON}/{SHARED_PACKAGE.name}")
        shared_bytecode = Path(scratch) if compiled else None
        entries = layer_entries(site, SHARED_PACKAGE, site_bytecode, shared_bytecode)
        log(f"layer: zipping {len(entries)} files")
        path = write_zip(out / "layers" / f"{LAYER_NAME}.zip", entries)
    log(f"layer: {path} ({path.stat().st_size / 1_048_576:.1f} MiB)")
    return path.resolve()


def function_dirs() -> list[Path]:
    return sorted(path.parent for path in LAMBDA_DIR.glob("*/index.py"))


def build_functions(out: Path) -> list[Path]:
    built = []
    for directory in function_dirs():
        path = write_zip(out / "functions" / f"{directory.name}.zip", [("index.py", directory / "index.py")])
        log(f"function: {path.relative_to(out.parent) if out.parent in path.parents else path}")
        built.append(path.resolve())
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer-only", action="store_true", help="build only the layer and print its path last")
    parser.add_argument("--out", type=Path, default=REPO / "build", help="output directory (default: build/)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if not args.layer_only:
        build_functions(out)
    layer = build_layer(out)
    print(layer, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
