"""The root configuration in a directory of its own, for tooling tests that run `tofu`.

`make test` runs the Terraform stages (which `tofu init` and `tofu test` in the repository root) beside the unit
stage, so a test must not init the root in place: two inits writing one `.terraform` and lock file race. Each test
module gets a directory that links the root's `*.tf`, `modules/`, `schemas/`, `environments/` and
`tests/environments/` (as run-tests' `tf_tree` copies them for the other engines) and has its own `.terraform`.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from webhookdev.build import function_dirs

REPO = Path(__file__).resolve().parents[2]
LINKED = ("modules", "schemas", "environments")


def isolated_root(workdir: Path) -> Path:
    """Link the root configuration into `workdir`, `tofu init` it there, and return it."""
    workdir.mkdir(parents=True, exist_ok=True)
    for source in sorted(REPO.glob("*.tf")):
        (workdir / source.name).symlink_to(source)
    for name in LINKED:
        (workdir / name).symlink_to(REPO / name, target_is_directory=True)
    (workdir / "tests").mkdir()
    (workdir / "tests" / "environments").symlink_to(REPO / "tests" / "environments", target_is_directory=True)
    init = subprocess.run(
        ["tofu", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    return workdir


def placeholder_artifacts(root: Path) -> Path:
    """Zips named as the build names them, for plans that only hash them (one per build.function_dirs entry)."""
    (root / "functions").mkdir(parents=True)
    (root / "layers").mkdir()
    for path in function_dirs():
        with zipfile.ZipFile(root / "functions" / f"{path.name}.zip", "w") as archive:
            archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    with zipfile.ZipFile(root / "layers" / "webhook-processor-dependencies.zip", "w") as archive:
        archive.writestr("python/placeholder.py", "")
    return root
