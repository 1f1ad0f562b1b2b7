"""The local stack's Terraform work dir (webhookdev.local.terraform): immune to a deployment's root backend.tf."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from webhookdev.local.terraform import declares_backend, prepare_workdir

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "environments" / "backend" / "backend.tf.example"


def test_a_root_backend_tf_copied_from_the_example_is_not_linked(tmp_path: Path) -> None:
    source = tmp_path / "repo"
    (source / "modules").mkdir(parents=True)
    (source / "main.tf").write_text("# tofu init -backend-config=environments/backend/prod.s3.tfbackend\nlocals {}\n")
    (source / "backend.tf").write_text(EXAMPLE.read_text())  # the documented deploy step
    (source / "state.tf").write_text('terraform {\n  backend "local" {\n    path = "x"\n  }\n}\n')
    work = tmp_path / "work"

    prepare_workdir(source, work, "http://127.0.0.1:1")

    assert sorted(p.name for p in work.iterdir()) == ["main.tf", "modules", "providers_override.tf"]


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        ('terraform {\n  backend "s3" {}\n}\n', True),
        ('terraform {\n  required_version = ">= 1.5"\n  backend "s3" {\n    key = "x"\n  }\n}\n', True),
        ('terraform {\n  cloud {\n    organization = "x"\n  }\n}\n', True),
        ('# No backend block here: a deployment adds backend "s3" {} from the example.\nterraform {}\n', False),
        ('/* backend "s3" {} */\nterraform {}\n', False),
        ('resource "aws_cloudtrail" "this" {\n  name = "backend \\"s3\\" {"\n}\n', False),
    ],
)
def test_backend_blocks_are_recognised_outside_comments_and_strings(text: str, declared: bool) -> None:
    assert declares_backend(text) is declared


def test_the_repository_root_declares_no_backend_and_git_ignores_backend_tf() -> None:
    assert not any(declares_backend(tf.read_text()) for tf in REPO.glob("*.tf") if tf.name != "backend.tf")
    ignored = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", "-q", "--no-index", "backend.tf"], check=False
    ).returncode
    assert ignored == 0, "a root backend.tf (the documented deploy step) must be git-ignored"
