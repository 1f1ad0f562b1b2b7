"""Each environments/<env>.tfvars plans cleanly (mock provider) and keeps its environment's guarantees.

Runs tests/environments/tfvars.tftest.hcl once per real tfvars file, with placeholder artifacts so that no build is
needed: the plan only hashes the zips.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from webhookdev.build import function_dirs

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "staging", "prod", "local")
# Every function the build packages (one source of truth: build.function_dirs, so a new function is covered).
FUNCTION_DIRS = tuple(path.name for path in function_dirs())


@pytest.fixture(scope="module")
def placeholder_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("artifacts")
    (root / "functions").mkdir()
    (root / "layers").mkdir()
    for name in FUNCTION_DIRS:
        with zipfile.ZipFile(root / "functions" / f"{name}.zip", "w") as archive:
            archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    with zipfile.ZipFile(root / "layers" / "webhook-processor-dependencies.zip", "w") as archive:
        archive.writestr("python/placeholder.py", "")
    return root


@pytest.fixture(scope="module")
def initialized_root() -> Path:
    init = subprocess.run(
        ["tofu", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    return REPO


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_tfvars_plan_keeps_the_guarantees(
    environment: str, initialized_root: Path, placeholder_artifacts: Path
) -> None:
    result = subprocess.run(
        [
            "tofu",
            "test",
            "-no-color",
            "-test-directory=tests/environments",
            f"-var-file=environments/{environment}.tfvars",
            f"-var=artifacts_dir={placeholder_artifacts}",
        ],
        cwd=initialized_root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 0 failed" in result.stdout
