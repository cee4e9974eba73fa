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
import os
import stat
import time
from pathlib import Path

MISSING = b"<saknas>"
# A remembered file hash is trusted only for a file last changed this long before it was hashed:
# a write within the same tick of a coarse clock (FAT keeps 2 s, HFS+ 1 s) could otherwise keep
# its size and time and go unnoticed (Git's "racy clean" rule).
RACY_NS = 3_000_000_000


def normalised(data: bytes) -> bytes:
    """File content as hashed: CRLF line endings as LF."""
    return data.replace(b"\r\n", b"\n")


def files_under(target: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The files of a tree in a stable order (``__pycache__`` left out), or the file itself."""
    if target.is_file():
        return [target]
    if not target.is_dir():
        return []
    return sorted(
        p
        for p in target.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and (not suffixes or p.suffix in suffixes)
    )


class FileHashes:
    """The content hash of each file, remembered with what ``stat`` said of it, so that an unchanged
    file need not be read again (the build stamp's fast no-change check).

    A file is read and hashed (line endings normalised, as :class:`Digest` does) unless its size,
    modification time, status-change time and inode are all as remembered, and it had not changed
    for :data:`RACY_NS` when it was hashed. A ``git checkout`` or a copy that only touches the
    times makes the file read again, and its unchanged content then gives the same hash (also on
    a CRLF checkout). The one change not seen: new content of the same size written with the old
    modification time restored, on a system whose status-change time does not move (Windows keeps
    the creation time there); ``rapportbok bygg --alla`` builds regardless.
    """

    def __init__(self, known: dict | None = None) -> None:
        self.known = dict(known or {})  # absolute path -> [size, mtime_ns, ctime_ns, inode, sha256, trusted]
        self.seen: dict[str, list] = {}
        self.read = 0  # files read and hashed (the rest were known)
        self._now = time.time_ns()

    def of(self, path: Path | str, st: os.stat_result | None = None) -> str | None:
        """The SHA-256 of the file's normalised content, or None for a missing file (or not a file).
        ``st``: the file's ``stat`` if the caller has it already."""
        key = path if st is not None else os.path.abspath(path)  # stat_files gives absolute paths
        try:
            st = st if st is not None else os.stat(key)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        ident = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        old = self.known.get(key)
        if old is not None and old[:4] == ident and len(old) == 6 and old[5] is True:
            digest = old[4]
        else:
            with open(key, "rb") as f:
                digest = hashlib.sha256(normalised(f.read())).hexdigest()
            self.read += 1
        trusted = max(st.st_mtime_ns, st.st_ctime_ns) < self._now - RACY_NS
        self.seen[key] = [*ident, digest, trusted]
        return digest


def stat_files(target: Path, suffixes: tuple[str, ...] | None = None) -> list[tuple[str, os.stat_result]]:
    """(absolute path, stat) of every file under ``target`` (or the file itself), ``__pycache__`` left
    out, in a stable order; one ``stat`` per file, no pathlib (the no-change check walks every file
    of book/, which grows with every organisation)."""
    top = os.path.abspath(target)
    try:
        st = os.stat(top)
    except OSError:
        return []
    if stat.S_ISREG(st.st_mode):
        return [(top, st)]
    found: list[tuple[tuple[str, ...], str, os.stat_result]] = []
    todo = [top] if stat.S_ISDIR(st.st_mode) else []
    while todo:
        folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir():
                    if e.name != "__pycache__":
                        todo.append(e.path)
                elif e.is_file() and (not suffixes or os.path.splitext(e.name)[1] in suffixes):
                    found.append((tuple(e.path[len(top) :].split(os.sep)), e.path, e.stat()))
            except OSError:
                continue  # removed while we looked
    found.sort(key=lambda f: f[0])
    return [(path, st) for _, path, st in found]


def _entries(folder: str) -> list[os.DirEntry]:
    """A folder's entries in name order (none if it cannot be read)."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _file_line(path: str, st: os.stat_result, seen: dict[str, list[int]] | None) -> str:
    if seen is not None:
        seen[path] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    return f"{path}\0{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


def _scan(folder: str, suffixes: tuple[str, ...] | None, seen: dict[str, list[int]] | None):
    """A folder's entries in name order: (True, path) for a subfolder (``__pycache__`` left out), (False, stat
    line) for a file with one of ``suffixes`` (any without)."""
    for e in _entries(folder):
        try:
            if e.is_dir():
                if e.name != "__pycache__":
                    yield True, e.path
            elif e.is_file() and (not suffixes or os.path.splitext(e.name)[1] in suffixes):
                yield False, _file_line(e.path, e.stat(), seen)
        except OSError:
            continue  # removed while we looked


def _subtree_digest(top: str, suffixes: tuple[str, ...] | None, seen: dict[str, list[int]] | None = None) -> str:
    """The SHA-256 of one folder's stat lines, every file below it, each folder's entries in name order."""
    parts: list[str] = []
    todo = [top]
    while todo:
        below: list[str] = []
        for is_dir, value in _scan(todo.pop(), suffixes, seen):
            (below if is_dir else parts).append(value)
        todo.extend(reversed(below))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def stat_signature(
    header: str,
    trees: list[tuple[Path, tuple[str, ...] | None]],
    seen: dict[str, list[int]] | None = None,
) -> str:
    """One hash of every file's absolute path, size, modification time, status-change time and inode under
    ``trees`` ((target, suffixes), as :func:`stat_files` selects them: ``__pycache__`` left out), with one
    ``stat`` per file and no file read: the build stamp's first, cheapest check. Each folder's entries are
    taken in name order. ``seen`` collects each file's [size, mtime_ns, ctime_ns, inode] by path.

    Each tree's own files enter as their stat lines, each of its folders as the hash of the stat lines below
    it (:func:`_subtree_digest`). (Walking half of the folders in a forked process saved 2,6 % at 50
    organisations and was removed: handbok/historik/snabbhetsmekanismer.md.)
    """
    parts: list[str | int] = [header]
    units: list[tuple[str, tuple[str, ...] | None]] = []
    for target, suffixes in trees:
        top = os.path.abspath(target)
        parts.append(f"\1{top}")
        try:
            st = os.stat(top)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            if stat.S_ISREG(st.st_mode):
                parts.append(_file_line(top, st, seen))
            continue
        for is_dir, value in _scan(top, suffixes, seen):
            if is_dir:
                parts.append(len(units))  # the folder's digest goes here
                units.append((value, suffixes))
            else:
                parts.append(value)
    digests = [_subtree_digest(top, suffixes, seen) for top, suffixes in units]
    text = "\0".join(f"\2{units[p][0]}\0{digests[p]}" if isinstance(p, int) else p for p in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class Digest:
    """A SHA-256 over labelled pieces: text, files and trees of files.

    With ``hashes`` (a :class:`FileHashes`) a file enters as the hash of its content, taken from what
    ``hashes`` remembers where the file has not changed; the result differs from a plain Digest.
    With ``contents`` (a dict shared by many digests, e.g. one per notebook of a build) each file is
    read once: the package code and the source register are not re-read for every notebook. The
    result is that of a plain Digest.
    """

    def __init__(self, hashes: FileHashes | None = None, contents: dict | None = None) -> None:
        self._h = hashlib.sha256()
        self._hashes = hashes
        self._contents = contents  # path -> normalised content (or MISSING), shared by many digests

    def text(self, label: str, value: str) -> Digest:
        self._h.update(label.encode() + b"\0" + value.encode() + b"\0")
        return self

    def file(self, label: str, path: Path) -> Digest:
        if self._hashes is not None:
            digest = self._hashes.of(path)
            content = digest.encode() if digest else MISSING
        elif self._contents is not None:
            content = self._contents.get(path)
            if content is None:
                content = self._contents[path] = normalised(path.read_bytes()) if path.is_file() else MISSING
        else:
            content = normalised(path.read_bytes()) if path.is_file() else MISSING
        self._h.update(label.encode() + b"\0" + content + b"\0")
        return self

    def tree(self, base: Path, target: Path, suffixes: tuple[str, ...] | None = None) -> Digest:
        """Every file under ``target`` (or the file itself), labelled by its path relative to ``base``."""
        if self._hashes is not None:
            return self._stat_tree(base, target, suffixes)
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

    def _stat_tree(self, base: Path, target: Path, suffixes: tuple[str, ...] | None) -> Digest:
        files = stat_files(target, suffixes)
        if not files:
            self._h.update(MISSING + target.name.encode() + b"\0")
        prefix = os.path.abspath(base) + os.sep
        for path, st in files:
            rel = path.removeprefix(prefix).replace(os.sep, "/")
            digest = self._hashes.of(path, st)
            self._h.update(rel.encode() + b"\0" + (digest.encode() if digest else MISSING) + b"\0")
        return self

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def tree_digest(base: Path, names: tuple[str, ...]) -> str:
    """One hash of the named files and folders under ``base``."""
    d = Digest()
    for name in names:
        d.tree(base, base / name)
    return d.hexdigest()


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as hex, as it is (no line endings normalised): a file's identity."""
    return hashlib.sha256(data).hexdigest()


def signature(secret: bytes, payload: bytes) -> bytes:
    """An HMAC-SHA256 of ``payload`` under ``secret``: whoever holds the secret can tell the payload is theirs."""
    import hmac

    return hmac.new(secret, payload, hashlib.sha256).digest()


def same_signature(a: bytes, b: bytes) -> bool:
    """Compare two signatures in constant time."""
    import hmac

    return hmac.compare_digest(a, b)
