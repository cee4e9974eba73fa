"""The build stamp: has anything changed since the last successful build?

A content hash of every input of the build (data/, the notebook templates, the package code,
the pinned environment, the site configuration, and the build options) and of its outputs
(book/, _toc.yml, the site marker). When both equal what the last successful build recorded,
``rapportbok build`` says so and stops in a fraction of a second, without importing pandas or
reading a data file: the previous validation, notebooks and site are still exactly right.

Deliberately light: standard library only, so the check costs no more than hashing the files.
"""

from __future__ import annotations

import json
from pathlib import Path

from rapportbok.core import files
from rapportbok.core.hashing import Digest

STAMP = Path("_build") / ".rapportbok-stamp.json"
SITE_MARKER = ".rapportbok-indata"  # written by the build into _build/html/
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # rapportbok/
MODES = {"book": 0, "site": 1, "pdf": 2}  # a build in a higher mode also covers the lower ones


def inputs(root: Path, data: Path) -> str:
    d = Digest().text("data", str(data.resolve()))
    for name in ("notebooks", "_config.yml", "_static", "requirements.txt"):
        d.tree(root, root / name)
    d.tree(data, data)
    d.tree(PACKAGE_DIR, PACKAGE_DIR, (".py", ".css"))
    return d.hexdigest()


def outputs(root: Path, mode: str) -> str:
    d = Digest().tree(root, root / "book").tree(root, root / "_toc.yml")
    if MODES[mode] >= MODES["site"]:
        d.tree(root, root / "_build" / "html" / SITE_MARKER).tree(root, root / "_build" / "html" / "index.html")
    if MODES[mode] >= MODES["pdf"]:
        d.tree(root, root / "_build" / "html" / "pdf")
    return d.hexdigest()


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
    digest = started if started is not None else inputs(root, data)
    files.write_text(root / STAMP, json.dumps({"mode": mode, "inputs": digest, "outputs": outputs(root, mode),
                                               "warnings": warnings}, ensure_ascii=False, indent=1))


def forget(root: Path) -> None:
    try:
        (root / STAMP).unlink()
    except FileNotFoundError:
        pass
