"""Each environments/<env>.tfvars plans cleanly (mock provider) and keeps its environment's guarantees.

Runs tests/environments/tfvars.tftest.hcl once per real tfvars file, with placeholder artifacts so that no build is
needed: the plan only hashes the zips.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tfroot import isolated_root, placeholder_artifacts

ENVIRONMENTS = ("dev", "staging", "prod", "local")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return placeholder_artifacts(tmp_path_factory.mktemp("artifacts"))


@pytest.fixture(scope="module")
def initialized_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return isolated_root(tmp_path_factory.mktemp("root") / "config")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_tfvars_plan_keeps_the_guarantees(
    environment: str, initialized_root: Path, artifacts: Path
) -> None:
    result = subprocess.run(
        [
            "tofu",
            "test",
            "-no-color",
            "-test-directory=tests/environments",
            f"-var-file=environments/{environment}.tfvars",
            f"-var=artifacts_dir={artifacts}",
        ],
        cwd=initialized_root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 0 failed" in result.stdout
