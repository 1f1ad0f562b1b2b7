"""Find the zip Terraform uploaded for a function or layer, by CodeSha256, and unpack it once.

moto stores the code but does not serve it back, so the runtime looks for the local artifact whose base64 sha256
equals the deployed CodeSha256. Code that matches nothing is never run.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path


class CodeMismatch(LookupError):
    """No local artifact matches the CodeSha256 that moto reports for deployed code."""


def code_sha256(path: Path) -> str:
    """Lambda's CodeSha256: base64 of the zip file's sha256 digest."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


class ArtifactIndex:
    """sha256 of every `*.zip` under the search roots, recomputed only for files whose size or mtime changed."""

    def __init__(self, roots: tuple[Path, ...], cache_dir: Path) -> None:
        self.roots = roots
        self.cache_dir = cache_dir
        self._hashes: dict[Path, tuple[float, int, str]] = {}
        self._lock = threading.Lock()

    def find(self, sha: str) -> Path:
        with self._lock:
            for root in self.roots:
                for path in sorted(root.rglob("*.zip")) if root.exists() else []:
                    stat = path.stat()
                    cached = self._hashes.get(path)
                    if cached is None or cached[:2] != (stat.st_mtime, stat.st_size):
                        cached = (stat.st_mtime, stat.st_size, code_sha256(path))
                        self._hashes[path] = cached
                    if cached[2] == sha:
                        return path
        roots = ", ".join(str(r) for r in self.roots)
        raise CodeMismatch(f"no zip under {roots} has CodeSha256 {sha}; rebuild and re-apply (make up)")

    def unpack(self, sha: str) -> Path:
        """The extracted contents of the artifact with this CodeSha256 (re-verified after extraction)."""
        target = self.cache_dir / base64.urlsafe_b64encode(base64.b64decode(sha)).decode().rstrip("=")
        if target.is_dir():
            return target
        source = self.find(sha)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix=".unpack-"))
        try:
            copy = staging / "artifact.zip"
            shutil.copyfile(source, copy)
            if code_sha256(copy) != sha:  # changed between hashing and copying: refuse
                raise CodeMismatch(f"{source} changed while it was being unpacked")
            contents = staging / "contents"
            with zipfile.ZipFile(copy) as archive:
                archive.extractall(contents)
            contents.rename(target)
        except FileExistsError:
            pass  # another thread unpacked it first
        except OSError:
            if not target.is_dir():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target
