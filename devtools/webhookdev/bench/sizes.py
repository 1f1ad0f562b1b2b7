"""Artifact sizes: each function zip, and the layer zipped and unzipped (Lambda's limit is 250 MB unzipped)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def measure(build: Path) -> dict[str, Any]:
    """Sizes in bytes of ``build/functions/*.zip`` and ``build/layers/*.zip``; empty when nothing is built."""
    functions = {p.stem: p.stat().st_size for p in sorted((build / "functions").glob("*.zip"))}
    layers = {}
    for path in sorted((build / "layers").glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        layers[path.stem] = {
            "zipped": path.stat().st_size,
            "unzipped": unzipped,
            "share_of_lambda_limit": round(unzipped / LAMBDA_UNZIPPED_LIMIT, 3),
        }
    return {"functions": functions, "layers": layers}


def render(sizes: dict[str, Any]) -> str:
    lines = ["sizes"]
    for name, size in sizes["functions"].items():
        lines.append(f"  function {name:24s} {size:>12,d} B zipped")
    for name, layer in sizes["layers"].items():
        lines.append(
            f"  layer {name:27s} {layer['zipped']:>12,d} B zipped, {layer['unzipped']:,d} B unzipped "
            f"({layer['share_of_lambda_limit']:.0%} of Lambda's 250 MB)"
        )
    return "\n".join(lines)
