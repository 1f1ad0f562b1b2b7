"""`make build` needs only Python 3.11 and the Python packages it installs: no Go, no OpenTofu/Terraform (issue 13).

The build runs here with a PATH that has neither `go` nor `tofu`, against a toolchain cache that holds only the
Python pieces (the venv and the cached layer wheels, linked from the real cache so nothing is installed again).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REAL_CACHE = Path(os.environ.get("WEBHOOKS_CACHE") or Path.home() / ".cache" / "payment-webhooks")
# What `make tools` builds with Go; none of it may be needed to build the zips.
GO_BUILT = ("opentofu-", "terraform-", "tflint", "provider-mirror", "aws-provider-", "plugin-cache", "tofu.rc")


def _prerequisites(target: str) -> list[str]:
    line = re.search(rf"^{target}:([^#\n]*)", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert line, f"no Makefile target {target}"
    return line.group(1).split()


@pytest.mark.parametrize("target", ["build", "layer"])
def test_build_targets_depend_only_on_the_python_toolchain(target: str) -> None:
    assert _prerequisites(target) == ["python-tools"]
    assert _prerequisites("up") == ["tools", "build"], "the local stack applies Terraform: it needs the full toolchain"


@pytest.fixture
def python_only_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no go and no tofu on PATH, and a cache with only the Python pieces."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for entry in REAL_CACHE.iterdir():
        if entry.name.startswith(("venv-", "layer-site-", "layer-pyc-")):
            (cache / entry.name).symlink_to(entry)
    assert not any(p.name.startswith(GO_BUILT) for p in cache.iterdir())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3.11").symlink_to(sys.executable)  # the venv's interpreter is a Python 3.11
    path = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    for tool in ("go", "tofu", "terraform", "tflint"):
        assert shutil.which(tool, path=path) is None, f"{tool} is on the restricted PATH"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "TF_CLI_CONFIG_FILE")}
    env.update(PATH=path, WEBHOOKS_CACHE=str(cache), HOME=str(tmp_path))
    return env


def test_python_only_bootstrap_and_build_need_no_go_or_tofu(python_only_env: dict[str, str], tmp_path: Path) -> None:
    tools = subprocess.run(
        ["make", "-s", "python-tools"], cwd=REPO, env=python_only_env, capture_output=True, text=True, check=False
    )
    assert tools.returncode == 0, tools.stdout + tools.stderr
    assert "[tools] opentofu" not in tools.stdout, "the python-only path must not reach the Go-built tools"

    out = tmp_path / "out"
    build = subprocess.run(
        ["bash", "-c", f'eval "$(devtools/bin/env.sh)" && python -m webhookdev.build --out {out}'],
        cwd=REPO,
        env=python_only_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    zips = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.zip"))
    assert "functions/stripe-validator.zip" in zips
    assert "layers/webhook-processor-dependencies.zip" in zips
    with zipfile.ZipFile(out / "functions" / "processor.zip") as archive:
        assert "index.py" in archive.namelist()


def test_full_bootstrap_still_refuses_to_start_without_go(python_only_env: dict[str, str]) -> None:
    full = subprocess.run(
        [str(REPO / "devtools" / "bin" / "bootstrap")], env=python_only_env, capture_output=True, text=True, check=False
    )
    assert full.returncode != 0
    assert "Go >= 1.22 is required" in full.stderr
