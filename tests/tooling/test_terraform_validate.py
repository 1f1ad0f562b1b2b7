"""`tofu validate` checks the configuration against the real hashicorp/aws schema, not just HCL syntax.

The fixture in tests/fixtures/misspelled misspells two AWS arguments. Only a validator that loaded the provider's
schema can name them, and the same fixture with the spelling fixed must pass, so the failure is the misspelling.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "misspelled"


def _tofu(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tofu", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def _validate(workdir: Path) -> tuple[int, list[dict[str, Any]]]:
    init = _tofu("init", "-backend=false", "-input=false", "-no-color", cwd=workdir)
    assert init.returncode == 0, init.stdout + init.stderr
    result = _tofu("validate", "-json", "-no-color", cwd=workdir)
    diagnostics: list[dict[str, Any]] = json.loads(result.stdout)["diagnostics"]
    return result.returncode, diagnostics


def _copy_fixture(tmp_path: Path) -> Path:
    workdir = tmp_path / "misspelled"
    shutil.copytree(FIXTURE, workdir, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl"))
    return workdir


def test_validate_rejects_misspelled_aws_arguments_by_name(tmp_path: Path) -> None:
    code, diagnostics = _validate(_copy_fixture(tmp_path))

    assert code != 0
    unsupported = [d for d in diagnostics if d["severity"] == "error" and d["summary"] == "Unsupported argument"]
    details = " ".join(d["detail"] for d in unsupported)
    assert len(unsupported) == 2, diagnostics
    assert '"memroy_size"' in details
    assert '"mod"' in details


def test_the_same_fixture_spelled_correctly_validates(tmp_path: Path) -> None:
    workdir = _copy_fixture(tmp_path)
    main = workdir / "main.tf"
    main.write_text(main.read_text().replace("memroy_size", "memory_size").replace("mod ", "mode "))

    code, diagnostics = _validate(workdir)

    assert code == 0, diagnostics
