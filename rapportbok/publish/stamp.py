"""The build stamp: has anything changed since the last successful build?

A content hash of every input of the build (data/, the notebook templates, the package code,
the pinned environment, the site configuration, and the build options) and of its outputs
(book/, _toc.yml, the site marker). When both equal what the last successful build recorded,
``rapportbok build`` says so and stops in a fraction of a second, without importing pandas or
reading a data file: the previous validation, notebooks and site are still exactly right.

Two levels, so that the check costs one ``stat`` per file and little more at 290 organisations:

1. the **stat signature**: one hash of every tracked file's path, size, times and inode (and the
   mode). When it equals the stamp's, nothing is read and no per-file table is loaded. It is saved
   only when every file was *trusted* (unchanged for :data:`rapportbok.core.hashing.RACY_NS` when it
   was hashed), so a file written in the same clock tick as the check is never taken on trust;
2. otherwise the **content hashes**, file by file, as below; when they match, the check records a new
   signature (if every file is trusted), so the next check is level 1 again.

Deliberately light: standard library only. The stamp also remembers each file's content hash with
its size, times and inode (:class:`rapportbok.core.hashing.FileHashes`): a file ``stat`` shows
unchanged is not read again, so the check costs a ``stat`` per file, not hashing all of data/ and
book/ (which grows with every organisation). A file whose ``stat`` differs is read and hashed, so a
``git checkout`` that only touches times, or a CRLF checkout, still counts as unchanged. A check that
had to read files records their hashes, so the next check is fast again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from rapportbok.core import files, hashing, switches
from rapportbok.core.hashing import Digest, FileHashes, stat_signature

STAMP = Path("_build") / ".rapportbok-stamp.json"  # mode, hashes, warnings, stat signature (small)
FILES = Path("_build") / ".rapportbok-stamp-files.json"  # each file's content hash with its stat (large)
SITE_MARKER = ".rapportbok-indata"  # written by the build into _build/html/
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # rapportbok/
MODES = {"book": 0, "site": 1, "pdf": 2}  # a build in a higher mode also covers the lower ones
# From this many files the build signs the stamp itself (record): below it the first check is quick anyway.
SETTLE_FILES = 3000


def file_hashes(root: Path) -> FileHashes:
    """The file hashes the last stamp remembers (none if there is no readable stamp)."""
    try:
        known = json.loads((root / FILES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return FileHashes()
    return FileHashes(known if isinstance(known, dict) else None)


def _input_trees(root: Path, data: Path) -> list[tuple[Path, Path, tuple[str, ...] | None]]:
    """(base, target, suffixes) of every input tree, in the order they are hashed."""
    trees: list[tuple[Path, Path, tuple[str, ...] | None]] = [
        (root, root / name, None) for name in ("notebooks", "_config.yml", "_static", "requirements.txt", "handbok")
    ]
    return trees + [(data, data, None), (PACKAGE_DIR, PACKAGE_DIR, (".py", ".css"))]


def _output_trees(root: Path, mode: str) -> list[tuple[Path, Path, tuple[str, ...] | None]]:
    trees: list[tuple[Path, Path, tuple[str, ...] | None]] = [
        (root, root / "book", None),
        (root, root / "_toc.yml", None),
    ]
    if MODES[mode] >= MODES["site"]:
        html = root / "_build" / "html"
        trees += [(root, html / SITE_MARKER, None), (root, html / "index.html", None)]
    if MODES[mode] >= MODES["pdf"]:
        trees.append((root, root / "_build" / "html" / "pdf", None))
    return trees


def inputs(root: Path, data: Path, hashes: FileHashes | None = None) -> str:
    d = Digest(hashes if hashes is not None else FileHashes()).text("data", str(data.resolve()))
    for base, target, suffixes in _input_trees(root, data):
        d.tree(base, target, suffixes)
    return d.hexdigest()


def outputs(root: Path, mode: str, hashes: FileHashes | None = None) -> str:
    d = Digest(hashes if hashes is not None else FileHashes())
    for base, target, suffixes in _output_trees(root, mode):
        d.tree(base, target, suffixes)
    return d.hexdigest()


def signature(root: Path, data: Path, mode: str, seen: dict[str, list[int]] | None = None) -> str:
    """The stat signature of every input and output file (rapportbok.core.hashing.stat_signature): the same
    files as :func:`inputs` and :func:`outputs`, one ``stat`` each, no file read. ``seen`` collects each
    file's ``stat`` (for :func:`_trusted_signature`)."""
    trees = [(target, suffixes) for _, target, suffixes in _input_trees(root, data) + _output_trees(root, mode)]
    return stat_signature(f"{mode}\0{os.path.abspath(data)}", trees, seen)


def _trusted_signature(root: Path, data: Path, mode: str, hashes: FileHashes) -> str | None:
    """The stat signature, if every file in it was hashed as trusted with this very ``stat`` (else None:
    the next check compares content again)."""
    seen: dict[str, list[int]] = {}
    sig = signature(root, data, mode, seen)
    for path, ident in seen.items():
        entry = hashes.seen.get(path)
        if entry is None or entry[:4] != ident or entry[5] is not True:
            return None
    return sig


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
    level1 = saved.get("signature") and not switches.off("statsignatur")
    if level1 and saved["signature"] == signature(root, data, saved["mode"]):
        return list(saved.get("warnings", []))  # level 1: every file's stat as when its content matched
    hashes = file_hashes(root)
    if saved.get("inputs") != inputs(root, data, hashes) or saved.get("outputs") != outputs(
        root, saved["mode"], hashes
    ):
        return None
    sig = _trusted_signature(root, data, saved["mode"], hashes)
    if hashes.read or hashes.seen != hashes.known or sig != saved.get("signature"):
        try:  # remember what was read (and the signature), so the next check need not read it
            files.write_text(root / FILES, _dump(hashes.seen))
            files.write_text(root / STAMP, _dump({**saved, "signature": sig, "files": len(hashes.seen)}))
        except OSError:
            pass  # only a slower next check
    return list(saved.get("warnings", []))


def _dump(stamp: dict) -> str:
    return json.dumps(stamp, ensure_ascii=False, separators=(",", ":"))


def record(
    root: Path, data: Path, mode: str, warnings: list[str], started: str | None = None, hashes: FileHashes | None = None
) -> None:
    """Remember a successful build (written atomically).

    ``started`` is :func:`inputs` as the build computed it at its start, before it read any data:
    a file edited while the build ran then no longer matches, and the next build runs. (Hashing
    the inputs here, after the build, would record the edited file as built.) ``hashes`` is the
    :class:`FileHashes` that computed ``started``: the file hashes remembered are those of the
    inputs as they were then, so an edited file's changed ``stat`` makes the next check read it.
    No stat signature is recorded here: the build has just written book/, so its files are not yet
    trusted; the first no-change check records it. In a large book (:data:`SETTLE_FILES` files or more),
    where that first check would compare every file's content (1,8 s at 290 organisations), the build
    does it itself: it waits until the files it wrote last are trusted (at most :data:`RACY_NS`, a few
    seconds of a build that takes minutes) and signs, so the first ``rapportbok bygg`` after it is as fast
    as every later one.
    """
    hashes = hashes if hashes is not None else FileHashes()
    digest = started if started is not None else inputs(root, data, hashes)
    out = outputs(root, mode, hashes)
    files.write_text(root / FILES, _dump(hashes.seen))
    files.write_text(
        root / STAMP,
        _dump({"mode": mode, "inputs": digest, "outputs": out, "warnings": warnings, "files": len(hashes.seen)}),
    )
    if len(hashes.seen) >= SETTLE_FILES:
        untrusted = [max(entry[1], entry[2]) for entry in hashes.seen.values() if entry[5] is not True]
        if untrusted:
            time.sleep(
                min(hashing.RACY_NS, max(0, max(untrusted) + hashing.RACY_NS + 10_000_000 - time.time_ns())) / 1e9
            )
        unchanged(root, data, mode)  # compares content once more and records the signature


NOTHING_CHANGED = (
    "Inget har ändrats sedan förra bygget (data, mallar, kod och miljö är desamma); boken och webbplatsen är aktuella."
)


def quick(root: Path, data: Path, mode: str) -> list[str] | None:
    """What `rapportbok bygg` prints when nothing changed (the last build's warnings and
    :data:`NOTHING_CHANGED`), else None: also None when a killed command left a journal or staging
    folders behind (the full command line completes them first, rapportbok.core.journal)."""
    from rapportbok.core import journal

    if journal.needs_recovery(root, data):
        return None
    warnings = unchanged(root, data, mode)
    return None if warnings is None else [*warnings, NOTHING_CHANGED]


def forget(root: Path) -> None:
    for name in (STAMP, FILES):
        try:
            (root / name).unlink()
        except FileNotFoundError:
            pass
