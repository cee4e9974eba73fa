"""Content hashes: has anything a build depends on changed?

One hasher for every use: the build stamp (all inputs and outputs), the per-notebook input
hash stored in book/, and the site marker. A :class:`Digest` takes labelled files and trees
of files; a missing file is hashed as missing, so creating it changes the hash.

Line endings are normalised (CRLF to LF) before hashing, so a checkout made by Git for
Windows with ``core.autocrlf`` has the same hashes as one on Linux: nothing re-runs and no
stored hash churns between an analyst's machine and CI.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MISSING = b"<saknas>"


def normalised(data: bytes) -> bytes:
    """File content as hashed: CRLF line endings as LF."""
    return data.replace(b"\r\n", b"\n")


def files_under(target: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The files of a tree in a stable order (``__pycache__`` left out), or the file itself."""
    if target.is_file():
        return [target]
    if not target.is_dir():
        return []
    return sorted(p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and (not suffixes or p.suffix in suffixes))


class Digest:
    """A SHA-256 over labelled pieces: text, files and trees of files."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def text(self, label: str, value: str) -> Digest:
        self._h.update(label.encode() + b"\0" + value.encode() + b"\0")
        return self

    def file(self, label: str, path: Path) -> Digest:
        content = normalised(path.read_bytes()) if path.is_file() else MISSING
        self._h.update(label.encode() + b"\0" + content + b"\0")
        return self

    def tree(self, base: Path, target: Path, suffixes: tuple[str, ...] | None = None) -> Digest:
        """Every file under ``target`` (or the file itself), labelled by its path relative to ``base``."""
        files = files_under(target, suffixes)
        if not files:
            self._h.update(MISSING + target.name.encode() + b"\0")
        for p in files:
            try:
                rel = p.relative_to(base).as_posix()
            except ValueError:
                rel = p.as_posix()
            self.file(rel, p)
        return self

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def tree_digest(base: Path, names: tuple[str, ...]) -> str:
    """One hash of the named files and folders under ``base``."""
    d = Digest()
    for name in names:
        d.tree(base, base / name)
    return d.hexdigest()
