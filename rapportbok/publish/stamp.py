"""The build stamp: has anything changed since the last successful build?

A content hash of every input of the build (data/, the notebook templates, the package code,
the pinned environment, the site configuration, and the build options) and of its outputs
(book/, _toc.yml, the site marker). When both equal what the last successful build recorded,
``rapportbok build`` says so and stops in a fraction of a second, without importing pandas or
reading a data file: the previous validation, notebooks and site are still exactly right.

Deliberately light: standard library only. The stamp also remembers each file's content hash with
its size, times and inode (:class:`rapportbok.core.hashing.FileHashes`): a file ``stat`` shows
unchanged is not read again, so the check costs a ``stat`` per file, not hashing all of data/ and
book/ (which grows with every organisation). A file whose ``stat`` differs is read and hashed, so a
``git checkout`` that only touches times, or a CRLF checkout, still counts as unchanged. A check that
had to read files records their hashes, so the next check is fast again.
"""

from __future__ import annotations

import json
from pathlib import Path

from rapportbok.core import files
from rapportbok.core.hashing import Digest, FileHashes

STAMP = Path("_build") / ".rapportbok-stamp.json"
SITE_MARKER = ".rapportbok-indata"  # written by the build into _build/html/
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # rapportbok/
MODES = {"book": 0, "site": 1, "pdf": 2}  # a build in a higher mode also covers the lower ones


def file_hashes(root: Path) -> FileHashes:
    """The file hashes the last stamp remembers (none if there is no readable stamp)."""
    try:
        saved = json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FileHashes()
    known = saved.get("files") if isinstance(saved, dict) else None
    return FileHashes(known if isinstance(known, dict) else None)


def inputs(root: Path, data: Path, hashes: FileHashes | None = None) -> str:
    d = Digest(hashes if hashes is not None else FileHashes()).text("data", str(data.resolve()))
    for name in ("notebooks", "_config.yml", "_static", "requirements.txt"):
        d.tree(root, root / name)
    d.tree(data, data)
    d.tree(PACKAGE_DIR, PACKAGE_DIR, (".py", ".css"))
    return d.hexdigest()


def outputs(root: Path, mode: str, hashes: FileHashes | None = None) -> str:
    d = Digest(hashes if hashes is not None else FileHashes()).tree(root, root / "book").tree(root, root / "_toc.yml")
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
    if not isinstance(saved, dict) or MODES.get(saved.get("mode"), -1) < MODES[mode]:
        return None
    known = saved.get("files")
    hashes = FileHashes(known if isinstance(known, dict) else None)
    if saved.get("inputs") != inputs(root, data, hashes) or saved.get("outputs") != outputs(root, saved["mode"], hashes):
        return None
    if hashes.read or hashes.seen != hashes.known:  # remember what was read, so the next check need not
        try:
            files.write_text(root / STAMP, _dump({**saved, "files": hashes.seen}))
        except OSError:
            pass  # only a slower next check
    return list(saved.get("warnings", []))


def _dump(stamp: dict) -> str:
    return json.dumps(stamp, ensure_ascii=False, separators=(",", ":"))


def record(root: Path, data: Path, mode: str, warnings: list[str], started: str | None = None,
           hashes: FileHashes | None = None) -> None:
    """Remember a successful build (written atomically).

    ``started`` is :func:`inputs` as the build computed it at its start, before it read any data:
    a file edited while the build ran then no longer matches, and the next build runs. (Hashing
    the inputs here, after the build, would record the edited file as built.) ``hashes`` is the
    :class:`FileHashes` that computed ``started``: the file hashes remembered are those of the
    inputs as they were then, so an edited file's changed ``stat`` makes the next check read it.
    """
    hashes = hashes if hashes is not None else FileHashes()
    digest = started if started is not None else inputs(root, data, hashes)
    out = outputs(root, mode, hashes)
    files.write_text(root / STAMP, _dump({"mode": mode, "inputs": digest, "outputs": out, "warnings": warnings,
                                          "files": hashes.seen}))


def forget(root: Path) -> None:
    try:
        (root / STAMP).unlink()
    except FileNotFoundError:
        pass
