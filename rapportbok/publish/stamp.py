"""The build stamp: has anything changed since the last successful build?

A content hash of every input of the build (data/, the notebook templates, the package code,
the pinned environment, the site configuration, and the build options) and of its outputs
(book/, _toc.yml, the site marker). When both equal what the last successful build recorded,
``rapportbok build`` says so and stops in a fraction of a second, without importing pandas or
reading a data file: the previous validation, notebooks and site are still exactly right.

Deliberately light: standard library only, so the check costs no more than hashing the files.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

STAMP = Path("_build") / ".rapportbok-stamp.json"
SITE_MARKER = ".rapportbok-indata"  # written by the build into _build/html/
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # rapportbok/
MODES = {"book": 0, "site": 1, "pdf": 2}  # a build in a higher mode also covers the lower ones


def _hash_tree(h, base: Path, target: Path, suffixes: tuple[str, ...] | None = None) -> None:
    if target.is_file():
        files = [target]
    elif target.is_dir():
        files = sorted(p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    else:
        files = []
    if not files:
        h.update(f"<saknas {target.name}>".encode())
    for p in files:
        if suffixes and p.suffix not in suffixes:
            continue
        try:
            rel = p.relative_to(base).as_posix()
        except ValueError:
            rel = p.as_posix()
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")


def inputs(root: Path, data: Path) -> str:
    h = hashlib.sha256()
    h.update(str(data.resolve()).encode() + b"\0")
    for name in ("notebooks", "_config.yml", "_static", "requirements.txt"):
        _hash_tree(h, root, root / name)
    _hash_tree(h, data, data)
    _hash_tree(h, PACKAGE_DIR, PACKAGE_DIR, (".py", ".css"))
    return h.hexdigest()


def outputs(root: Path, mode: str) -> str:
    h = hashlib.sha256()
    _hash_tree(h, root, root / "book")
    _hash_tree(h, root, root / "_toc.yml")
    if MODES[mode] >= MODES["site"]:
        _hash_tree(h, root, root / "_build" / "html" / SITE_MARKER)
        _hash_tree(h, root, root / "_build" / "html" / "index.html")
    if MODES[mode] >= MODES["pdf"]:
        _hash_tree(h, root, root / "_build" / "html" / "pdf")
    return h.hexdigest()


def mode_of(site: bool, pdf: bool) -> str:
    return "pdf" if pdf else ("site" if site else "book")


def unchanged(root: Path, data: Path, mode: str) -> list[str] | None:
    """The warnings of the last build if nothing changed since, else None."""
    try:
        saved = json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if MODES.get(saved.get("mode"), -1) < MODES[mode]:
        return None
    if saved.get("inputs") != inputs(root, data) or saved.get("outputs") != outputs(root, saved["mode"]):
        return None
    return list(saved.get("warnings", []))


def record(root: Path, data: Path, mode: str, warnings: list[str], started: str | None = None) -> None:
    """Remember a successful build (written atomically).

    ``started`` is :func:`inputs` as the build computed it at its start, before it read any data:
    a file edited while the build ran then no longer matches, and the next build runs. (Hashing
    the inputs here, after the build, would record the edited file as built.)
    """
    path = root / STAMP
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    digest = started if started is not None else inputs(root, data)
    tmp.write_text(json.dumps({"mode": mode, "inputs": digest, "outputs": outputs(root, mode),
                               "warnings": warnings}, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def forget(root: Path) -> None:
    try:
        (root / STAMP).unlink()
    except FileNotFoundError:
        pass
