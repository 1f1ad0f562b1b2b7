"""Every module README lists exactly the module's inputs and outputs, with the right required/optional marking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(p for p in (REPO / "modules").iterdir() if p.is_dir())

BLOCK = re.compile(r'^(variable|output) "([A-Za-z0-9_]+)" \{$', re.MULTILINE)
ROW = re.compile(r"^\| `([A-Za-z0-9_]+)` \|(.*)\|$", re.MULTILINE)


def _blocks(path: Path, kind: str) -> dict[str, str]:
    """Block name -> block body, for the top-level `kind` blocks of a .tf file."""
    text = path.read_text()
    starts = [(m.start(), m.group(1), m.group(2)) for m in BLOCK.finditer(text)]
    bodies: dict[str, str] = {}
    for index, (start, found_kind, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        if found_kind == kind:
            bodies[name] = text[start:end]
    return bodies


def _readme_section(readme: str, title: str) -> dict[str, str]:
    """Table rows (name -> rest of the row) under `## <title>` up to the next heading."""
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return {m.group(1): m.group(2) for m in ROW.finditer(match.group(1))}


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_has_the_standard_files(module: Path) -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (module / name).is_file(), f"{module.name} lacks {name}"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_readme_inputs_match_variables(module: Path) -> None:
    variables = _blocks(module / "variables.tf", "variable")
    rows = _readme_section((module / "README.md").read_text(), "Inputs")

    assert sorted(rows) == sorted(variables)
    for name, body in variables.items():
        required = "\n  default " not in body and "\n  default=" not in body
        marked = rows[name].rstrip().rstrip("|").strip().split("|")[-1].strip()
        assert marked == ("yes" if required else "no"), f"{module.name}: {name} required should be {required}"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_readme_outputs_match_outputs(module: Path) -> None:
    outputs = _blocks(module / "outputs.tf", "output")
    rows = _readme_section((module / "README.md").read_text(), "Outputs")

    assert sorted(rows) == sorted(outputs)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_every_variable_and_output_is_described_and_typed(module: Path) -> None:
    for name, body in _blocks(module / "variables.tf", "variable").items():
        assert "\n  description " in body, f"{module.name}: variable {name} has no description"
        assert "\n  type " in body, f"{module.name}: variable {name} has no type"
    for name, body in _blocks(module / "outputs.tf", "output").items():
        assert "\n  description " in body, f"{module.name}: output {name} has no description"
