"""Read the effective root-module variables for a tfvars file, as OpenTofu itself would type and default them.

The root ``variables.tf`` is copied into an empty directory and ``tofu console -var-file=…`` evaluates one
``jsonencode({...})`` of every declared variable. No ``init``, no providers, no state: only the variable
declarations (with their types, ``optional()`` defaults and validations) and the tfvars file are involved, so a
tfvars file that would fail ``tofu plan`` validation fails here too, with OpenTofu's own message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
_VARIABLE = re.compile(r'^variable\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)


class TfvarsError(RuntimeError):
    """The tfvars file could not be evaluated (missing file, no tofu/terraform, or a validation error)."""


def declared_variables(root: Path = REPO) -> list[str]:
    """The names of the variables declared in ``root/variables.tf``, in file order."""
    return _VARIABLE.findall((root / "variables.tf").read_text(encoding="utf-8"))


def _binary() -> str:
    for name in (os.environ.get("TF_BINARY", ""), "tofu", "terraform"):
        if name and shutil.which(name):
            return name
    raise TfvarsError('neither tofu nor terraform is on PATH (eval "$(make -s env)" puts tofu there)')


def effective_variables(var_file: Path, root: Path = REPO) -> dict[str, Any]:
    """Every declared variable's value for ``var_file`` (defaults filled in, optional attributes expanded)."""
    if not var_file.is_file():
        raise TfvarsError(f"no such tfvars file: {var_file}")
    names = declared_variables(root)
    expression = "jsonencode({" + ", ".join(f"{name} = var.{name}" for name in names) + "})\n"
    with tempfile.TemporaryDirectory(prefix="capacity-vars-") as scratch:
        shutil.copy(root / "variables.tf", Path(scratch) / "variables.tf")
        result = subprocess.run(  # noqa: S603 - our own tool and arguments
            [_binary(), "console", f"-var-file={var_file.resolve()}"],
            input=expression,
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "TF_IN_AUTOMATION": "1", "NO_COLOR": "1"},
        )
    if result.returncode != 0:
        raise TfvarsError(f"{var_file}: {(result.stderr or result.stdout).strip()}")
    # The console prints the jsonencode() result as an HCL string literal: one JSON-quoted string.
    value: dict[str, Any] = json.loads(json.loads(result.stdout.strip()))
    return value
