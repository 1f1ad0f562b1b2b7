"""The toolchain `make tools` provides is the real one: pinned OpenTofu, the real hashicorp/aws 5.x schema, tflint."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PINS = dict(
    line.split("=", 1)
    for line in (REPO / "devtools" / "toolchain.env").read_text().splitlines()
    if line and not line.startswith("#") and "=" in line
)


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_tofu_is_the_pinned_release_build_not_dev() -> None:
    out = _run("tofu", "version", "-json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["terraform_version"] == PINS["OPENTOFU_VERSION"].lstrip("v")


def test_tofu_init_installs_aws_5x_from_the_local_mirror_only(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "terraform {\n"
        "  required_providers {\n"
        '    aws = { source = "hashicorp/aws", version = ">= 5.0, < 6.0" }\n'
        "  }\n"
        "}\n"
    )
    init = _run("tofu", "init", "-backend=false", "-input=false", "-no-color", cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    selections = json.loads(_run("tofu", "version", "-json", cwd=tmp_path).stdout)["provider_selections"]
    assert selections["registry.opentofu.org/hashicorp/aws"] == PINS["AWS_PROVIDER_VERSION"]
    assert selections["registry.opentofu.org/hashicorp/aws"].startswith("5.")
    config = Path(os.environ["TF_CLI_CONFIG_FILE"]).read_text()
    assert "filesystem_mirror" in config
    assert "direct" not in config, "the mirror must be the only installation method"


def _terraform(which: str) -> str:
    """Path of the cached Terraform build: TERRAFORM_MIN or TERRAFORM_MAX from `make env`."""
    cache = Path(os.environ.get("WEBHOOKS_CACHE", Path.home() / ".cache" / "payment-webhooks"))
    return os.environ.get(
        f"TERRAFORM_{which}", str(cache / f"terraform-{PINS[f'TERRAFORM_{which}_VERSION']}" / "terraform")
    )


def test_terraform_builds_are_the_pinned_releases_not_dev() -> None:
    for which in ("MIN", "MAX"):
        out = _run(_terraform(which), "version", "-json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["terraform_version"] == PINS[f"TERRAFORM_{which}_VERSION"].lstrip("v")


def test_terraform_init_installs_aws_5x_from_the_local_mirror_only(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "terraform {\n"
        "  required_providers {\n"
        '    aws = { source = "hashicorp/aws", version = ">= 5.76, < 6.0" }\n'
        "  }\n"
        "}\n"
    )
    init = _run(_terraform("MIN"), "init", "-backend=false", "-input=false", "-no-color", cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    selections = json.loads(_run(_terraform("MIN"), "version", "-json", cwd=tmp_path).stdout)["provider_selections"]
    assert selections["registry.terraform.io/hashicorp/aws"] == PINS["AWS_PROVIDER_VERSION"]


def test_terraform_docs_is_the_pinned_version() -> None:
    out = _run("terraform-docs", "--version")
    assert out.returncode == 0, out.stderr
    assert PINS["TERRAFORM_DOCS_VERSION"] in out.stdout


def test_tflint_is_the_pinned_version() -> None:
    out = _run("tflint", "--version")
    assert out.returncode == 0, out.stderr
    assert PINS["TFLINT_VERSION"].lstrip("v") in out.stdout


def test_make_env_puts_every_tool_on_path() -> None:
    out = _run(
        "bash",
        "-c",
        'eval "$(make -s env)" && command -v tofu tflint checkov terraform-docs python && python --version',
    )
    assert out.returncode == 0, out.stderr
    assert "Python 3.11" in out.stdout
    for tool in ("tofu", "tflint", "checkov", "terraform-docs"):
        assert re.search(rf"/{tool}$", out.stdout, re.MULTILINE), out.stdout


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text().splitlines()
    commands = [line.strip().strip("`") for line in readme[:15] if line.strip().startswith("make ")]
    assert commands[:2] == ["make demo", "make test"], readme[:15]
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_bootstrap_is_idempotent_and_fast_when_warm() -> None:
    out = _run(str(REPO / "devtools" / "bin" / "bootstrap"))
    assert out.returncode == 0, out.stderr
    assert "toolchain ready" in out.stdout
    for piece in ("python venv", "opentofu", "terraform v1.5.7", "terraform v1.8.5", "terraform-docs", "tflint"):
        assert re.search(rf"{piece}[^\n]*: cached", out.stdout), out.stdout
